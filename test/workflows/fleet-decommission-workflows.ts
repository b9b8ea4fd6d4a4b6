// The bundle of fleet-decommission.test.ts: the real fleetDecommission, with decommissionCluster
// replaced by a stub whose outcome and duration the test decides per call (through the
// fakeDecommission activity), so gates, concurrency and failures can be driven exactly.
import { ApplicationFailure, proxyActivities, sleep } from '@temporalio/workflow';
import type { DecommissionResult } from '../../workflows/decommission-cluster.js';

export { fleetDecommission } from '../../workflows/fleet-decommission.js';

/** What the test wants one decommission to do. */
export interface FakeDecommission {
  ok: boolean;
  minutes: number;
  message?: string;
  /** The failure's type, e.g. ClusterBusy for a refused claim (default: the provider failed). */
  type?: string;
}

/** The input the stub received, as the fleet workflow passed it. */
export interface DecommissionCall {
  name: string;
  force?: boolean;
  reason?: string;
  requestedBy?: string;
  at: number;
}

export interface FakeActivities {
  fakeDecommission(call: DecommissionCall): Promise<FakeDecommission>;
}

const { fakeDecommission } = proxyActivities<FakeActivities>({ startToCloseTimeout: '10 seconds', retry: { maximumAttempts: 1 } });

/** Stands in for decommissionCluster: same input and result shape, outcome from the test. */
export async function decommissionCluster(input: Omit<DecommissionCall, 'at'>): Promise<DecommissionResult> {
  const plan = await fakeDecommission({ ...input, at: Date.now() });
  if (plan.minutes > 0) await sleep(plan.minutes * 60_000);
  if (!plan.ok) throw ApplicationFailure.nonRetryable(plan.message ?? `${input.name} failed`, plan.type ?? 'ProviderFailed');
  return { name: input.name };
}
