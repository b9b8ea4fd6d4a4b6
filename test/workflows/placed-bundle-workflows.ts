// The bundle of placed-bundle.test.ts: the real placedBundle; applyBundleToCluster and
// rollbackBundle are stubs that record what they were given (a parent's history holds only its
// children's starts and ends, so a recorded placedBundle history replays against the real
// workflows too).
import { ApplicationFailure, proxyActivities } from '@temporalio/workflow';

export { placedBundle } from '../../workflows/placed-bundle.js';

export interface PlacementStubActivities {
  /** Records a child's start; answers whether it fails (and why). */
  stubChild(call: { workflow: string; args: unknown }): Promise<{ fail?: string; busy?: string }>;
}
const { stubChild } = proxyActivities<PlacementStubActivities>({ startToCloseTimeout: '10 seconds', retry: { maximumAttempts: 1 } });

export async function applyBundleToCluster(input: { cluster: string }): Promise<unknown> {
  const plan = await stubChild({ workflow: 'applyBundleToCluster', args: input });
  if (plan.busy) throw ApplicationFailure.nonRetryable(plan.busy, 'ClusterBusy');
  if (plan.fail) throw ApplicationFailure.nonRetryable(plan.fail, 'RolloutStuck');
  return { cluster: input.cluster, counts: { created: 1, configured: 0, unchanged: 0, pruned: 0 } };
}

export async function rollbackBundle(input: { cluster: string }): Promise<unknown> {
  const plan = await stubChild({ workflow: 'rollbackBundle', args: input });
  if (plan.fail) throw ApplicationFailure.nonRetryable(plan.fail, 'Network');
  return { cluster: input.cluster };
}
