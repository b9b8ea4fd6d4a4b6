import { ApplicationFailure, setCurrentDetails } from '@temporalio/workflow';
import { withBundleApplied } from '../src/domain/cluster/applied-bundles.js';
import { ApplyBundleInputSchema, type ApplyBundleInput } from '../src/domain/cluster/operation-inputs.js';
import { targetOf } from '../src/domain/cluster/target.js';
import type { ApplyReach } from '../src/domain/rollout/fleet-rollout.js';
import { long, probe, quick } from './activity-profiles.js';
import { OperationReporter, operationFailure, parseInput } from './operation-steps.js';

export interface ApplyBundleResult {
  cluster: string;
  bundle: string;
  revision: string;
  counts: Record<'created' | 'configured' | 'unchanged' | 'pruned', number>;
  health: string;
  /** What the apply found on the cluster (a rollout's rollback returns it there); also in a failure's details. */
  reach: ApplyReach;
}

/**
 * Applies one bundle revision to one cluster as a mutating operation (id
 * `apply/<cluster>/<bundle>`): claim -> server-side apply with prune (the revision is kept on
 * the cluster) -> wait until its workloads are available -> health check -> the entity records
 * the revision (and the one before it, for rollback). A stuck rollout or an unhealthy cluster
 * fails the operation with the reason; what was applied stays applied (fleetRollout decides
 * about rolling back). A rollout's children name the bundle (`bundleFrom`) instead of carrying
 * it, and read it from the rollout. The result, and the details of a failure, say how far the
 * apply got (`ApplyReach`): refused at the claim, or claimed over the revision it found there.
 */
export async function applyBundleToCluster(input: ApplyBundleInput): Promise<ApplyBundleResult> {
  const { cluster, bundle: given, bundleFrom, autoReconcile, rolloutDeadlineSeconds, requestedBy } = parseInput(ApplyBundleInputSchema, input, 'bundle apply request');
  const { name, revision } = given ?? bundleFrom!;
  setCurrentDetails(`apply ${name}@${revision} to ${cluster}: claiming the cluster`);
  const report = new OperationReporter(cluster, 'apply');
  const state = await quick
    .claimClusterOperation({ name: cluster, request: { id: report.operationId, type: 'apply', ...(requestedBy ? { requestedBy } : {}) } })
    .catch((err: unknown) => {
      throw operationFailure('apply', err, { claimed: false } satisfies ApplyReach);
    });
  const found = state.bundles?.find((b) => b.name === name)?.revision;
  const reach: ApplyReach = { claimed: true, ...(found ? { before: found } : {}) };
  const target = targetOf(state);
  try {
    // From a rollout: read after the claim, so a busy cluster costs no bundle in this history.
    const bundle = given ?? (await quick.loadRolloutBundle(bundleFrom!));
    await report.step(`applying ${bundle.name}@${bundle.revision} (${bundle.manifests.length} objects)`);
    const applied = await long.applyBundle({ target, bundle });
    const c = applied.counts;
    await report.step(`waiting for the rollout (${c.created} created, ${c.configured} configured, ${c.unchanged} unchanged, ${c.pruned} pruned)`);
    // The revision is on the cluster from here on, whatever follows: it is recorded even when
    // the operation fails, so a rollback and the drift check know what is there.
    const bundles = withBundleApplied(state.bundles, { name: bundle.name, revision: bundle.revision, autoReconcile }, new Date().toISOString());
    const rollout = await long.waitForRollout({ target, bundle, deadlineSeconds: rolloutDeadlineSeconds });
    if (rollout.status !== 'Ready') {
      const stuck = rollout.workloads.filter((w) => w.state !== 'Ready').map((w) => `${w.ref.kind} ${w.ref.namespace}/${w.ref.name}: ${w.reason}: ${w.message}`);
      const message = `cluster ${cluster}: rollout of ${bundle.name}@${bundle.revision} ${rollout.status}: ${stuck.slice(0, 3).join('; ')}`;
      await report.finish(false, message, { bundles });
      throw ApplicationFailure.nonRetryable(message, 'RolloutStuck');
    }
    await report.step('checking health');
    const health = await probe.checkClusterHealth({ target });
    const { version: _v, nodes: _n, ...verdict } = health;
    if (health.status !== 'Healthy') {
      await report.finish(false, `applied ${bundle.name}@${bundle.revision}, but the cluster is ${health.status}: ${health.reasons.join('; ')}`, { bundles, health: verdict });
      throw ApplicationFailure.nonRetryable(`cluster ${cluster}: ${health.status} after applying ${bundle.name}@${bundle.revision}: ${health.reasons.join('; ')}`, 'ClusterUnhealthy');
    }
    await report.finish(true, `applied ${bundle.name}@${bundle.revision}`, { bundles, health: verdict });
    return { cluster, bundle: bundle.name, revision: bundle.revision, counts: c, health: health.status, reach };
  } catch (err) {
    // Already reported to the entity (with the revision recorded): only the failure is left.
    if (err instanceof ApplicationFailure && (err.type === 'ClusterUnhealthy' || err.type === 'RolloutStuck')) throw operationFailure('apply', err, reach);
    throw await report.fail('apply', err, reach);
  }
}
