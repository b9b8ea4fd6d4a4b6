import { setCurrentDetails } from '@temporalio/workflow';
import { withBundleRolledBack } from '../src/domain/cluster/applied-bundles.js';
import { rollbackTarget } from '../src/domain/rollout/fleet-rollout.js';
import { RollbackBundleInputSchema, type RollbackBundleInput } from '../src/domain/cluster/operation-inputs.js';
import { targetOf } from '../src/domain/cluster/target.js';
import { long, quick } from './activity-profiles.js';
import { OperationReporter, operationFailure, parseInput } from './operation-steps.js';

export interface RollbackBundleResult {
  cluster: string;
  /** The revision now on the cluster; undefined when the bundle was removed. */
  to?: string;
}

/**
 * Undoes one revision of a bundle on one cluster (id `<rollout>/rollback/<cluster>`): the
 * revision the cluster had before (`to`, as the rollout found it; without it, the one before in
 * the entity's record), kept on the cluster, is re-applied with force (taking back what the
 * failed revision changed, pruning what it added); a bundle the cluster did not have before is
 * removed. The cluster entity records the outcome.
 */
export async function rollbackBundle(input: RollbackBundleInput): Promise<RollbackBundleResult> {
  const { cluster, bundle, revision, to: given, requestedBy, reason } = parseInput(RollbackBundleInputSchema, input, 'rollback request');
  setCurrentDetails(`roll back ${bundle}@${revision} on ${cluster}: claiming the cluster`);
  const report = new OperationReporter(cluster, 'apply');
  const state = await quick
    .claimClusterOperation({ name: cluster, request: { id: report.operationId, type: 'apply', ...(requestedBy ? { requestedBy } : {}), ...(reason ? { reason } : {}) } })
    .catch((err: unknown) => {
      throw operationFailure('rollback', err);
    });
  const target = targetOf(state);
  const to = given !== undefined ? (given ?? undefined) : rollbackTarget(state.bundles?.find((b) => b.name === bundle), revision);
  try {
    await report.step(to ? `rolling ${bundle} back from ${revision} to ${to}` : `removing ${bundle} (the cluster had no revision before ${revision})`);
    await long.applyStoredRevision({ target, bundle, ...(to ? { revision: to } : {}), force: true });
    const bundles = withBundleRolledBack(state.bundles, bundle, to, new Date().toISOString());
    await report.finish(true, to ? `rolled ${bundle} back from ${revision} to ${to}` : `removed ${bundle} (rolled back ${revision})`, { bundles });
    return { cluster, ...(to ? { to } : {}) };
  } catch (err) {
    throw await report.fail('rollback', err);
  }
}
