import { describe, expect, it } from 'vitest';
import { classifyUpgradeFailure, haltsWave, phaseBeforeUpgrade, type UpgradeFailureInput, type UpgradeFailureVerdict } from '../../src/domain/upgrade/failure-verdict.js';

const base: UpgradeFailureInput = { name: 'web', target: '1.36', stage: 'preflight', from: '1.35.4', root: { message: 'boom', type: 'ProviderFailed' }, phaseBefore: 'Active' };
const moved = (at: string, cause = 'boom'): UpgradeFailureVerdict => {
  const message =
    `upgrade of web failed after its control plane moved to ${at}: ${cause}. The control plane stays at ${at}: it cannot be downgraded and nothing was rolled back. ` +
    'Repair the cluster, then retry the upgrade: it resumes with whatever is not yet upgraded';
  return { controlPlaneMoved: true, type: 'PostUpgradeFailure', message, report: message, patch: { phase: 'Degraded', version: at }, haltsWave: true };
};
const unchanged = (report: string, phase: 'Active' | 'Degraded' = 'Active', type = 'ProviderFailed'): UpgradeFailureVerdict => ({
  controlPlaneMoved: false,
  type,
  message: 'upgrade failed: boom',
  report,
  patch: { phase },
  haltsWave: false,
});

describe('classifyUpgradeFailure', () => {
  it.each<[string, Partial<UpgradeFailureInput>, UpgradeFailureVerdict]>([
    // before the control plane was touched: nothing changed, the root cause keeps its type
    ['a preflight refusal changes nothing', { root: { message: 'boom', type: 'UpgradePreflightFailed' } }, unchanged('upgrade failed: boom', 'Active', 'UpgradePreflightFailed')],
    ['a Degraded cluster goes back to Degraded', { phaseBefore: 'Degraded' }, unchanged('upgrade failed: boom', 'Degraded')],

    // during the control-plane change: where is it now?
    ['the provider failed and still reports the old version', { stage: 'control-plane', observed: '1.35.4' }, unchanged('upgrade failed: boom; the control plane is still at 1.35.4')],
    ['the version could not be read', { stage: 'control-plane' }, unchanged("upgrade failed: boom; the control plane's version could not be read")],
    ['a newer patch of the old minor is still behind a minor target', { stage: 'control-plane', observed: '1.35.9' }, unchanged('upgrade failed: boom; the control plane is still at 1.35.9')],
    ['the change failed but the control plane moved anyway', { stage: 'control-plane', observed: '1.36.3' }, moved('1.36.3')],

    // after it moved: nothing can be undone
    ['a node pool failed after the control plane moved', { stage: 'after', reached: '1.36.3' }, moved('1.36.3')],
    ['the version reached is unknown: the target is named', { stage: 'after' }, moved('1.36')],
    ['the observed version is ignored after the move', { stage: 'after', reached: '1.36.3', observed: '1.35.4' }, moved('1.36.3')],
  ])('%s', (_why, over, expected) => {
    expect(classifyUpgradeFailure({ ...base, ...over })).toEqual(expected);
  });
});

describe('haltsWave', () => {
  it.each<[string, (string | undefined)[], boolean]>([
    ['a post-upgrade failure anywhere in the chain halts', ['UpgradeFailed', 'PostUpgradeFailure'], true],
    ['a refusal before anything changed does not', ['UpgradePreflightFailed'], false],
    ['a busy cluster does not', ['ClusterBusy', undefined], false],
    ['no types at all does not', [], false],
  ])('%s', (_why, types, expected) => {
    expect(haltsWave(types)).toBe(expected);
  });
});

describe('phaseBeforeUpgrade', () => {
  it.each([
    ['Healthy', 'Active'],
    ['Unknown', 'Active'],
    ['Degraded', 'Degraded'],
    ['Unreachable', 'Degraded'],
  ] as const)('%s -> %s', (status, phase) => {
    expect(phaseBeforeUpgrade({ status })).toBe(phase);
  });
});
