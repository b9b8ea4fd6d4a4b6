// The bundle of fleet-rollout.test.ts: the real fleetRollout, with its per-cluster children
// (applyBundleToCluster, rollbackBundle) replaced by stubs whose outcome the test decides. The
// stub reads its bundle from the rollout as the real child does (the real loadRolloutBundle).
import { ApplicationFailure, proxyActivities, sleep } from '@temporalio/workflow';
import type { RolloutBundleActivities } from '../../activities/rollout-bundle.js';
import type { Bundle } from '../../src/domain/bundle/bundle.js';
import type { RolloutBundleRef } from '../../src/domain/cluster/operation-inputs.js';
import type { ApplyBundleResult } from '../../workflows/apply-bundle.js';
import type { RollbackBundleResult } from '../../workflows/rollback-bundle.js';

export { fleetRollout } from '../../workflows/fleet-rollout.js';

export interface FakeApply {
  ok: boolean;
  minutes: number;
  message?: string;
}

export interface FakeActivities {
  fakeApply(call: { cluster: string; revision: string; manifests: unknown[]; at: number }): Promise<FakeApply>;
  fakeRollback(call: { cluster: string; revision: string; at: number }): Promise<void>;
}

const { fakeApply, fakeRollback, loadRolloutBundle } = proxyActivities<FakeActivities & RolloutBundleActivities>({ startToCloseTimeout: '10 seconds', retry: { maximumAttempts: 1 } });

export async function applyBundleToCluster(input: { cluster: string; bundle?: Bundle; bundleFrom?: RolloutBundleRef }): Promise<ApplyBundleResult> {
  const bundle = input.bundle ?? (await loadRolloutBundle(input.bundleFrom!));
  const plan = await fakeApply({ cluster: input.cluster, revision: bundle.revision, manifests: bundle.manifests, at: Date.now() });
  if (plan.minutes > 0) await sleep(plan.minutes * 60_000);
  if (!plan.ok) throw ApplicationFailure.nonRetryable(plan.message ?? `${input.cluster} is unhealthy`, 'ClusterUnhealthy');
  return { cluster: input.cluster, bundle: bundle.name, revision: bundle.revision, counts: { created: 1, configured: 0, unchanged: 0, pruned: 0 }, health: 'Healthy' };
}

export async function rollbackBundle(input: { cluster: string; revision: string }): Promise<RollbackBundleResult> {
  await fakeRollback({ ...input, at: Date.now() });
  return { cluster: input.cluster, to: 'v1' };
}
