import { isCancellation, patched } from '@temporalio/workflow';
import { withCapacity } from '../src/domain/cluster/capacity.js';
import { targetOf } from '../src/domain/cluster/target.js';
import { probe } from './activity-profiles.js';
import type { EntityState } from './entity-state.js';

/** Entities whose histories predate it never read capacity on replay. */
export const CAPACITY_PATCH = 'cluster-capacity';

const now = () => new Date().toISOString();

/**
 * Part of the entity's health check: reads the cluster's capacity (what placement ranks and
 * filters by) and keeps it in the state. A read that fails keeps the last capacity: the health
 * verdict already says what is wrong with the cluster, and capacity is never a reason to fail.
 */
export async function checkCapacity(e: EntityState): Promise<void> {
  if (!patched(CAPACITY_PATCH)) return;
  try {
    const capacity = await probe.readClusterCapacity({ target: targetOf(e.state) });
    if (!e.state.current) e.update(withCapacity(e.state, capacity, now()));
  } catch (err) {
    if (isCancellation(err)) throw err;
  }
}
