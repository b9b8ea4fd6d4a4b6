// The workflows of test/bench/fleet-scale.ts: the real fleetRollout with stubbed per-cluster
// children (fleet-rollout-workflows.ts), the real clusterEntity, and Temporal's floor: a parent
// that starts N children through a sliding window, each child running one no-op activity.
import { proxyActivities, startChild } from '@temporalio/workflow';

export { fleetRollout, applyBundleToCluster, rollbackBundle } from '../workflows/fleet-rollout-workflows.js';
export { clusterEntity } from '../../workflows/cluster-entity.js';

const { noop } = proxyActivities<{ noop(): Promise<void> }>({ startToCloseTimeout: '1 minute', retry: { maximumAttempts: 1 } });
const { hold } = proxyActivities<{ hold(): Promise<void> }>({ startToCloseTimeout: '1 hour', retry: { maximumAttempts: 1 } });

/** One no-op activity: the least a cluster's part of a rollout can cost. */
export async function floorChild(): Promise<void> {
  await noop();
}

/** Two no-op activities in turn: as many as the bench's rollout child runs (it reads the bundle, then applies). */
export async function floorChildTwoActivities(): Promise<void> {
  await noop();
  await noop();
}

/** An operation in flight: one activity that returns when the bench lets it. */
export async function heldChild(): Promise<void> {
  await hold();
}

/** Starts `n` children of `child`, at most `concurrency` at once, a new one as soon as one ends. */
export async function floorParent(n: number, concurrency: number, child = 'floorChild'): Promise<number> {
  let next = 0;
  let done = 0;
  const one = async (): Promise<void> => {
    while (next < n) {
      const i = next++;
      const h = await startChild(child, { workflowId: `floor-${child}-${i}` });
      await h.result();
      done++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, one));
  return done;
}
