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
  /** The claim is refused with this type (e.g. ClusterBusy): the child touches nothing. */
  refused?: string;
  /** The bundle's revision the child finds on the cluster after its claim (none when absent). */
  before?: string;
}

export interface FakeActivities {
  fakeApply(call: { cluster: string; revision: string; manifests: unknown[]; at: number }): Promise<FakeApply>;
  fakeRollback(call: { cluster: string; revision: string; to?: string | null; at: number }): Promise<void>;
}

const { fakeApply, fakeRollback, loadRolloutBundle } = proxyActivities<FakeActivities & RolloutBundleActivities>({ startToCloseTimeout: '10 seconds', retry: { maximumAttempts: 1 } });

export async function applyBundleToCluster(input: { cluster: string; bundle?: Bundle; bundleFrom?: RolloutBundleRef }): Promise<ApplyBundleResult> {
  const bundle = input.bundle ?? (await loadRolloutBundle(input.bundleFrom!));
  const plan = await fakeApply({ cluster: input.cluster, revision: bundle.revision, manifests: bundle.manifests, at: Date.now() });
  // As the real child reports it: a refused claim touched nothing; after the claim, what it
  // found on the cluster goes with the result or with the failure.
  if (plan.refused) throw ApplicationFailure.create({ message: plan.message ?? `cluster ${input.cluster} is busy`, type: plan.refused, nonRetryable: true, details: [{ claimed: false }] });
  const reach = { claimed: true as const, ...(plan.before ? { before: plan.before } : {}) };
  if (plan.minutes > 0) await sleep(plan.minutes * 60_000);
  if (!plan.ok) throw ApplicationFailure.create({ message: plan.message ?? `${input.cluster} is unhealthy`, type: 'ClusterUnhealthy', nonRetryable: true, details: [reach] });
  return { cluster: input.cluster, bundle: bundle.name, revision: bundle.revision, counts: { created: 1, configured: 0, unchanged: 0, pruned: 0 }, health: 'Healthy', reach };
}

/** Stands in for rollbackBundle: returns to the revision it was told (none: removed), or v1 when not told. */
export async function rollbackBundle(input: { cluster: string; revision: string; to?: string | null }): Promise<RollbackBundleResult> {
  await fakeRollback({ ...input, at: Date.now() });
  const to = input.to === undefined ? 'v1' : input.to;
  return { cluster: input.cluster, ...(to ? { to } : {}) };
}
