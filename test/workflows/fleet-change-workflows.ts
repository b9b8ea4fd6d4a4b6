// The bundle of fleet-change.test.ts: the real fleetChange, fleetDecommission and upgradeWave; the one-cluster
// operations and the callbacks workflow are stubs that record what they were given, so a test
// sees exactly what a change passed on and in which order it reported.
import { ApplicationFailure, condition, defineQuery, proxyActivities, setHandler, sleep } from '@temporalio/workflow';
import type { ChangeEvent } from '../../src/domain/change/request.js';
import { changeEvent } from '../../src/temporal/messages/change.js';

export { fleetChange } from '../../workflows/fleet-change.js';
export { fleetDecommission } from '../../workflows/fleet-decommission.js';
export { upgradeWave } from '../../workflows/upgrade-wave.js';

export interface StubActivities {
  /** Records a call; answers how long the stub takes and whether it fails. */
  stubCall(call: { workflow: string; args: unknown }): Promise<{ minutes: number; fail?: string }>;
}
const { stubCall } = proxyActivities<StubActivities>({ startToCloseTimeout: '10 seconds', retry: { maximumAttempts: 1 } });

async function stub(workflow: string, args: unknown): Promise<{ ok: true }> {
  const plan = await stubCall({ workflow, args });
  if (plan.minutes > 0) await sleep(plan.minutes * 60_000);
  if (plan.fail) throw ApplicationFailure.nonRetryable(plan.fail, 'ProviderFailed');
  return { ok: true };
}
export const provisionCluster = (args: unknown) => stub('provisionCluster', args);
export const upgradeCluster = (args: unknown) => stub('upgradeCluster', args);
export const decommissionCluster = (args: unknown) => stub('decommissionCluster', args);

export const receivedEvents = defineQuery<ChangeEvent[]>('receivedEvents');
/** Stands in for changeCallbacks: keeps the events it is sent, in order, until a terminal one. */
export async function changeCallbacks(): Promise<ChangeEvent[]> {
  const events: ChangeEvent[] = [];
  setHandler(changeEvent, (e) => void events.push(e));
  setHandler(receivedEvents, () => events);
  await condition(() => events.some((e) => ['succeeded', 'failed', 'aborted', 'rolledBack'].includes(e.type)));
  return events;
}
