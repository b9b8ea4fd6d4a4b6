import { describe, expect, it } from 'vitest';
import { MaintenancePolicySchema } from '../../src/domain/time/maintenance-window.js';
import { formatWave } from '../../src/domain/rollout/preview.js';
import { UpgradeWavePlanSchema, planUpgradeWave, type UpgradeWavePlanInput } from '../../src/domain/upgrade/plan.js';
import { parseWith } from '../../src/domain/validation.js';
import { cluster } from '../helpers/cluster-summaries.js';

const plan = (input: UpgradeWavePlanInput) => UpgradeWavePlanSchema.parse(input);
const berlinSat = MaintenancePolicySchema.parse({ windows: ['Sat 02:00-06:00 Europe/Berlin'] });

const INVENTORY = [
  cluster('prod-b', { environment: 'prod', version: '1.35.4' }),
  cluster('prod-a', { environment: 'production', version: '1.35.2', maintenance: berlinSat }),
  cluster('stg-1', { environment: 'staging', version: '1.35.4' }),
  cluster('dev-1', { environment: 'dev', version: '1.35.4' }),
  cluster('dev-new', { environment: 'dev', version: '1.36.1' }), // already there
  cluster('dev-old', { environment: 'dev', version: '1.34.0' }), // two minors behind the target
  cluster('dev-busy', { environment: 'dev', currentOperation: { id: 'provision/dev-busy', type: 'provision', startedAt: '2026-05-01T10:00:00Z' } }),
  cluster('perf-1', { environment: 'perf' }), // no stage lists it
  cluster('edge-1', { environment: 'dev', labels: { edge: 'true' }, version: '1.34.3' }),
];

describe('planUpgradeWave', () => {
  it('stages by environment dev -> staging -> prod and lists everything it will not upgrade, with the reason', () => {
    const wave = planUpgradeWave(
      plan({
        targets: [
          { selector: { matchLabels: { edge: 'true' } }, version: '1.35' }, // first target wins for edge clusters
          { selector: {}, version: '1.36' },
        ],
        soak: '2h',
        maxConcurrency: '50%',
        maintenance: { windows: ['daily 01:00-05:00 UTC'] },
      }),
      INVENTORY,
    );
    expect(wave.stages.map((s) => [s.name, s.clusters, s.maxConcurrency, s.soakMs])).toEqual([
      ['dev', ['dev-1', 'edge-1'], 1, 7_200_000],
      ['staging', ['stg-1'], 1, 7_200_000],
      ['prod', ['prod-a', 'prod-b'], 1, 7_200_000],
    ]);
    expect(wave.upgrades['edge-1']).toMatchObject({ from: '1.34.3', to: '1.35' });
    expect(wave.upgrades['prod-b']).toMatchObject({ from: '1.35.4', to: '1.36' });
    // a cluster's own windows win over the plan's default
    expect(wave.upgrades['prod-a']!.maintenance).toEqual(berlinSat);
    expect(wave.upgrades['prod-b']!.maintenance!.windows).toEqual([{ days: ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'], start: '01:00', end: '05:00', timeZone: 'UTC' }]);
    expect(wave.upToDate).toEqual([{ name: 'dev-new', version: '1.36.1' }]);
    expect(wave.refused).toEqual([
      {
        name: 'dev-old',
        target: '1.36',
        refusals: [{ code: 'SkipsMinor', message: 'cannot upgrade from 1.34.0 to 1.36 in one step: upgrade one minor version at a time (next: 1.35)' }],
      },
    ]);
    expect(wave.unassigned).toEqual([{ name: 'perf-1', environment: 'perf' }]);
    expect(wave.excluded.map((e) => [e.name, e.reason])).toEqual([['dev-busy', 'Busy']]);
  });

  it('checks node pools when their versions are known', () => {
    const wave = planUpgradeWave(plan({ targets: [{ selector: { include: ['dev-1'] }, version: '1.36' }] }), INVENTORY, {
      nodePools: { 'dev-1': [{ name: 'workers', version: '1.32.5' }] },
    });
    expect(wave.refused[0]!.refusals.map((r) => r.code)).toEqual(['NodePoolTooOld']);
    expect(wave.stages.flatMap((s) => s.clusters)).toEqual([]);
  });

  it('takes a cluster an earlier target excluded, and then does not report it as excluded', () => {
    const wave = planUpgradeWave(
      plan({ targets: [{ selector: { environments: ['dev'], exclude: ['dev-1'] }, version: '1.36' }, { selector: { include: ['dev-1'] }, version: '1.35.6' }] }),
      INVENTORY,
    );
    expect(wave.upgrades['dev-1']).toMatchObject({ to: '1.35.6' });
    expect(wave.excluded.map((e) => e.name)).toEqual(['dev-busy']);
  });

  it('sends other environments to a catch-all stage when the sequence has one', () => {
    const wave = planUpgradeWave(
      plan({ targets: [{ selector: { include: ['perf-1', 'dev-1'] }, version: '1.36' }], sequence: [{ name: 'first', environments: ['dev'] }, { name: 'rest', environments: ['*'] }] }),
      INVENTORY,
    );
    expect(wave.stages.map((s) => [s.name, s.clusters])).toEqual([['first', ['dev-1']], ['rest', ['perf-1']]]);
  });

  it('refuses a Failed cluster (repair it first) but upgrades a Degraded one', () => {
    const wave = planUpgradeWave(plan({ targets: [{ selector: {}, version: '1.36' }] }), [cluster('f', { phase: 'Failed' }), cluster('d', { phase: 'Degraded' })]);
    expect(wave.stages[0]!.clusters).toEqual(['d']);
    expect(wave.excluded).toEqual([{ name: 'f', reason: 'NotReady', message: 'f is Failed, not one of Active, Degraded' }]);
  });

  it('prints as a preview', () => {
    const wave = planUpgradeWave(plan({ targets: [{ selector: { include: ['prod-a', 'dev-new', 'ghost'] }, version: '1.36' }], soak: '0s' }), INVENTORY);
    expect(formatWave(wave)).toEqual([
      'stage 1 dev (0 clusters; at most 1 at once, 0 failures allowed)',
      'stage 2 staging (0 clusters; at most 1 at once, 0 failures allowed)',
      'stage 3 prod (1 cluster; at most 1 at once, 0 failures allowed)',
      '  1. prod-a 1.35.2 -> 1.36 (in its maintenance window)',
      'up to date: dev-new (1.36.1)',
      'left out: ghost: NotFound: ghost is listed in include, but no such cluster is in the inventory',
    ]);
  });
});

describe('UpgradeWavePlanSchema', () => {
  it('fills GKE-like defaults: dev, staging, prod, one hour of soak, one at a time', () => {
    const p = plan({ targets: [{ selector: {}, version: 'v1.36' }] });
    expect(p.sequence.map((s) => s.name)).toEqual(['dev', 'staging', 'prod']);
    expect(p).toMatchObject({ soak: 3_600_000, maxConcurrency: { count: 1 }, maxFailures: { count: 0 }, approval: 'none', targets: [{ version: '1.36' }] });
  });

  it('lists every problem by path', () => {
    const r = parseWith(
      UpgradeWavePlanSchema,
      {
        targets: [{ selector: { environments: ['dev'] }, version: 'latest' }],
        sequence: [{ name: 'a', environments: ['dev'] }, { name: 'a', environments: ['dev', 'prod'] }],
        maintenance: { windows: ['Sat 02:00-06:00 Nowhere/City'] },
      },
      'plan',
    );
    expect(r.ok ? [] : r.problems).toEqual([
      { path: 'plan.targets[0].version', message: 'must be a Kubernetes version such as "1.35" or "1.35.4"' },
      { path: 'plan.sequence[1].name', message: 'stage name a is used twice' },
      { path: 'plan.sequence[1].environments[0]', message: 'environment dev is already in stage a' },
      { path: 'plan.maintenance.windows[0]', message: 'timeZone: must be an IANA time zone such as "Europe/Berlin" or "UTC"' },
    ]);
  });
});
