import { describe, expect, it } from 'vitest';
import { admitRollout, FleetRolloutInputSchema, rolloutWindows } from '../../src/domain/rollout/fleet-rollout.js';
import { admissionOf, maintenanceVerdict, type MaintenanceVerdict } from '../../src/domain/time/maintenance-verdict.js';
import { MaintenancePolicySchema, type MaintenancePolicyInput } from '../../src/domain/time/maintenance-window.js';
import { UpgradeClusterInputSchema } from '../../src/domain/upgrade/preflight.js';
import { parseWith } from '../../src/domain/validation.js';

// Fixed clock: 2026-05-02 is a Saturday.
const at = (iso: string) => Date.parse(iso);
const policy = (input: MaintenancePolicyInput) => MaintenancePolicySchema.parse(input);
const saturdays = policy({ windows: ['Sat 02:00-06:00 UTC'] });
const frozen = policy({ windows: ['Sat 02:00-06:00 UTC'], exclusions: [{ from: '2026-05-01', to: '2027-12-31', reason: 'frozen' }] });
const ignore = { ignoreMaintenanceWindow: true, reason: 'INC-42: CVE fix' };

describe('maintenanceVerdict', () => {
  it.each<[string, Parameters<typeof maintenanceVerdict>[0], MaintenanceVerdict]>([
    // no policy: any time
    ['a cluster without a policy goes at once', { policy: undefined, now: at('2026-05-02T12:00:00Z') }, { action: 'proceed', because: 'no-policy', message: 'no maintenance window set' }],
    ['an empty policy is no policy', { policy: policy({}), now: at('2026-05-02T12:00:00Z') }, { action: 'proceed', because: 'no-policy', message: 'no maintenance window set' }],

    // inside a window: go, and say until when
    ['inside its window it goes', { policy: saturdays, now: at('2026-05-02T03:00:00Z') }, { action: 'proceed', because: 'open', message: 'inside its maintenance window (Sat 02:00-06:00 UTC) until 2026-05-02T06:00:00.000Z' }],

    // outside: wait until the next opening (the end is exclusive)
    ['after the window closed it waits a week', { policy: saturdays, now: at('2026-05-02T06:00:00Z') }, { action: 'wait', until: at('2026-05-09T02:00:00Z'), message: 'waiting for its maintenance window, which opens at 2026-05-09T02:00:00.000Z', windows: 'Sat 02:00-06:00 UTC' }],
    ['on Friday it waits for Saturday', { policy: saturdays, now: at('2026-05-01T20:00:00Z') }, { action: 'wait', until: at('2026-05-02T02:00:00Z'), message: 'waiting for its maintenance window, which opens at 2026-05-02T02:00:00.000Z', windows: 'Sat 02:00-06:00 UTC' }],

    // never: an exclusion longer than the search horizon
    ['a window that never opens within 400 days is refused', { policy: frozen, now: at('2026-05-02T03:00:00Z') }, { action: 'refuse', message: 'no maintenance window opens within 400 days (windows Sat 02:00-06:00 UTC; excluded 2026-05-01..2027-12-31 (frozen))' }],

    // the override wins over everything, and says why
    ['the override goes outside the window', { policy: saturdays, now: at('2026-05-01T20:00:00Z'), override: ignore }, { action: 'proceed', because: 'ignored', message: 'maintenance window ignored: INC-42: CVE fix' }],
    ['the override goes through an exclusion', { policy: frozen, now: at('2026-05-02T03:00:00Z'), override: ignore }, { action: 'proceed', because: 'ignored', message: 'maintenance window ignored: INC-42: CVE fix' }],
    ['an override set to false changes nothing', { policy: saturdays, now: at('2026-05-02T06:00:00Z'), override: { ignoreMaintenanceWindow: false } }, { action: 'wait', until: at('2026-05-09T02:00:00Z'), message: 'waiting for its maintenance window, which opens at 2026-05-09T02:00:00.000Z', windows: 'Sat 02:00-06:00 UTC' }],
  ])('%s', (_why, question, expected) => {
    expect(maintenanceVerdict(question)).toEqual(expected);
  });
});

describe('admissionOf (a staged operation: WaitingWindow or Skipped)', () => {
  it.each<[string, MaintenanceVerdict, ReturnType<typeof admissionOf>]>([
    ['go is start', { action: 'proceed', because: 'open', message: 'x' }, { start: true }],
    ['wait is WaitingWindow until the opening', { action: 'wait', until: 5, message: 'waiting', windows: 'w' }, { start: false, status: 'WaitingWindow', wakeAt: 5, message: 'waiting' }],
    ['refuse is Skipped, saying what was not done', { action: 'refuse', message: 'never opens' }, { start: false, status: 'Skipped', message: 'not applied: never opens' }],
  ])('%s', (_why, verdict, expected) => {
    expect(admissionOf(verdict, 'not applied')).toEqual(expected);
  });
});

describe('the override in inputs', () => {
  const upgrade = { name: 'web-1', version: '1.36' };
  const rollout = { selector: {}, plan: { stages: [{ name: 'all' }] }, bundle: { name: 'shop', revision: 'v2', manifests: [] } };
  it.each<[string, unknown, string[]]>([
    // refused without a reason, naming the field
    ['upgradeCluster without a reason', { ...upgrade, ignoreMaintenanceWindow: true }, ['reason: must say why the maintenance window is ignored (required with ignoreMaintenanceWindow: true)']],
    ['upgradeCluster with a blank reason', { ...upgrade, ignoreMaintenanceWindow: true, reason: '  ' }, ['reason: must not be empty']],
    ['fleetRollout without a reason', { ...rollout, ignoreMaintenanceWindow: true }, ['reason: must say why the maintenance window is ignored (required with ignoreMaintenanceWindow: true)']],
    ['a non-boolean', { ...upgrade, ignoreMaintenanceWindow: 'yes', reason: 'x' }, ['ignoreMaintenanceWindow: Invalid input: expected boolean, received string']],
  ])('%s is refused', (_why, input, problems) => {
    const schema = 'bundle' in (input as object) ? FleetRolloutInputSchema : UpgradeClusterInputSchema;
    const r = parseWith(schema, input, '');
    expect(r.ok ? [] : r.problems.map((p) => `${p.path}: ${p.message}`)).toEqual(problems);
  });

  it('accepts the override with a reason, and defaults to honouring windows', () => {
    expect(UpgradeClusterInputSchema.parse({ ...upgrade, ...ignore })).toMatchObject(ignore);
    expect(UpgradeClusterInputSchema.parse(upgrade).ignoreMaintenanceWindow).toBe(false);
    expect(FleetRolloutInputSchema.parse({ ...rollout, ...ignore })).toMatchObject(ignore);
  });
});

describe('a rollout and maintenance windows', () => {
  const selected = [{ name: 'a', maintenance: saturdays }, { name: 'b' }];
  it('records each selected cluster\'s policy, and an audit entry only when windows are ignored', () => {
    expect(rolloutWindows({ ignoreMaintenanceWindow: false }, selected, 'T')).toEqual({ maintenance: { a: saturdays }, audit: [] });
    expect(rolloutWindows({ ...ignore, requestedBy: 'alice' }, selected, 'T').audit).toEqual([{ at: 'T', action: 'ignoreMaintenanceWindow', by: 'alice', reason: 'INC-42: CVE fix' }]);
  });

  it('holds a cluster outside its window, starts one without a policy, and starts everything when windows are ignored', () => {
    const s = rolloutWindows({ ignoreMaintenanceWindow: false }, selected, 'T');
    const friday = at('2026-05-01T20:00:00Z');
    expect(admitRollout(s, { ignoreMaintenanceWindow: false }, 'a', friday)).toMatchObject({ start: false, status: 'WaitingWindow', wakeAt: at('2026-05-02T02:00:00Z') });
    expect(admitRollout(s, { ignoreMaintenanceWindow: false }, 'b', friday)).toEqual({ start: true });
    expect(admitRollout(s, ignore, 'a', friday)).toEqual({ start: true });
    // a state carried from a run before windows were recorded: no policy known
    expect(admitRollout({}, { ignoreMaintenanceWindow: false }, 'a', friday)).toEqual({ start: true });
  });
});
