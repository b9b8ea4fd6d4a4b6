// The bundle of fleet-policy.test.ts and test/histories/record-fleet-policy.ts: the real
// fleetPolicy; fleetRollout, rollbackBundle and the cluster entity are stubs that record what
// they were given (a parent's history holds only its children's starts and ends, so a recorded
// fleetPolicy history replays against the real workflows too).
import { ApplicationFailure, condition, defineQuery, proxyActivities, setHandler } from '@temporalio/workflow';
import { checkClusterNow } from '../../src/temporal/messages/cluster-check.js';

export { fleetPolicy } from '../../workflows/fleet-policy.js';

export interface PolicyStubActivities {
  /** Records a child's start; answers whether it fails (and why). */
  stubChild(call: { workflow: string; args: unknown }): Promise<{ fail?: string }>;
}
const { stubChild } = proxyActivities<PolicyStubActivities>({ startToCloseTimeout: '10 seconds', retry: { maximumAttempts: 1 } });

export async function fleetRollout(input: { selector: { include: string[] } }): Promise<unknown> {
  const plan = await stubChild({ workflow: 'fleetRollout', args: input });
  if (plan.fail) throw ApplicationFailure.nonRetryable(plan.fail, 'RolloutFailed');
  return { outcome: 'Succeeded', message: `applied to ${input.selector.include.length} clusters`, counts: {}, applied: input.selector.include, rolledBack: [] };
}

export async function rollbackBundle(input: { cluster: string }): Promise<unknown> {
  const plan = await stubChild({ workflow: 'rollbackBundle', args: input });
  if (plan.fail) throw ApplicationFailure.nonRetryable(plan.fail, 'ClusterBusy');
  return { cluster: input.cluster };
}

export const checksAsked = defineQuery<number>('checksAsked');
/** Stands in for a cluster entity: counts the "check now" signals it gets. */
export async function clusterEntity(): Promise<void> {
  let asked = 0;
  setHandler(checkClusterNow, () => void asked++);
  setHandler(checksAsked, () => asked);
  await condition(() => false);
}
