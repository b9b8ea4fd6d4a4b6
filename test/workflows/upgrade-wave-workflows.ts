// The bundle of upgrade-wave.test.ts: the real upgradeWave, with upgradeCluster replaced by a
// stub whose outcome and duration the test decides per call (through the fakeUpgrade activity),
// so the wave's stages, soaks, windows, gates and budgets can be driven exactly.
import { ApplicationFailure, proxyActivities, sleep } from '@temporalio/workflow';
import type { UpgradeClusterResult } from '../../workflows/upgrade-cluster.js';

export { upgradeWave } from '../../workflows/upgrade-wave.js';

/** What the test wants one upgrade to do. */
export interface FakePlan {
  ok: boolean;
  minutes: number;
  /** A post-upgrade failure (the control plane moved): the wave must halt. */
  halts?: boolean;
  message?: string;
  /** The failure's type, e.g. ClusterBusy for a refused claim (default: a preflight refusal). */
  type?: string;
}

export interface FakeActivities {
  fakeUpgrade(call: { name: string; version: string; wave?: string; at: number }): Promise<FakePlan>;
}

const { fakeUpgrade } = proxyActivities<FakeActivities>({ startToCloseTimeout: '10 seconds', retry: { maximumAttempts: 1 } });

/** Stands in for upgradeCluster: same input and result shape, outcome from the test. */
export async function upgradeCluster(input: { name: string; version: string; wave?: string }): Promise<UpgradeClusterResult> {
  const plan = await fakeUpgrade({ ...input, at: Date.now() });
  if (plan.minutes > 0) await sleep(plan.minutes * 60_000);
  if (!plan.ok) throw ApplicationFailure.nonRetryable(plan.message ?? `${input.name} failed`, plan.type ?? (plan.halts ? 'PostUpgradeFailure' : 'UpgradePreflightFailed'));
  return { name: input.name, from: '1.35.4', version: `${input.version}.3`, noop: false, nodePools: [], health: 'Healthy', warnings: [] };
}
