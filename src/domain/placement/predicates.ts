import { bytes, formatBytes, formatCpu, freeOf, milliCpu } from '../cluster/capacity.js';
import type { ClusterPhase } from '../cluster/state.js';
import { mismatchOf } from '../selection/fleet-selector.js';
import { claimValues, taintsOf, type PlacementCluster } from './cluster.js';
import type { ClaimRequirement, Placement } from './spec.js';

/**
 * The predicates, in the order they are asked: the first one a cluster fails is its reason.
 * Each returns undefined when the cluster passes, else why not in words. `chosenBefore` tells
 * NoSelectIfNew taints apart: they keep a cluster out of new choices only.
 */

/** A failed predicate: which one, and why. */
export interface PredicateFailure {
  predicate: 'Excluded' | 'Selector' | 'Phase' | 'Claims' | 'Taints' | 'Capacity' | 'Avoided';
  message: string;
}

/** Phases a cluster must be in to take a workload (Upgrading passes: the upgrade ends). */
export const PLACEABLE_PHASES: readonly ClusterPhase[] = ['Active', 'Degraded', 'Upgrading'];

function claimMismatch(r: ClaimRequirement, c: PlacementCluster): string | undefined {
  const have = claimValues(c, r.claim);
  const shown = have.length ? have.join(', ') : '(none)';
  switch (r.operator) {
    case 'Exists':
      return have.length ? undefined : `claim ${r.claim} is missing`;
    case 'DoesNotExist':
      return have.length ? `claim ${r.claim} is present (${shown})` : undefined;
    case 'In':
      if (!have.length) return `claim ${r.claim} is missing (needs one of ${r.values!.join(', ')})`;
      return have.some((v) => r.values!.includes(v)) ? undefined : `claim ${r.claim}=${shown} is not one of ${r.values!.join(', ')}`;
    case 'NotIn':
      return have.some((v) => r.values!.includes(v)) ? `claim ${r.claim}=${shown} is one of ${r.values!.join(', ')}` : undefined;
  }
}

/**
 * `requests` is the headroom a cluster needs free to take the workload. A cluster that already
 * has it (its own pods are counted as requested there) keeps it while this share of the headroom
 * is free, so a cluster hovering at the threshold does not gain and lose the workload in turn.
 */
export const KEEP_SHARE = 0.5;

/** The first predicate the cluster fails, or undefined when it may take the workload. */
export function failedPredicate(p: Placement, c: PlacementCluster, chosenBefore: boolean): PredicateFailure | undefined {
  if (p.excludeClusters.includes(c.name) || p.selector.exclude?.includes(c.name)) return { predicate: 'Excluded', message: `${c.name} is excluded by the placement` };
  if (p.selector.include && !p.selector.include.includes(c.name)) return { predicate: 'Selector', message: `${c.name} is not in selector.include` };
  const mismatch = mismatchOf(p.selector, c);
  if (mismatch) return { predicate: 'Selector', message: mismatch };
  if (!PLACEABLE_PHASES.includes(c.phase)) return { predicate: 'Phase', message: `${c.name} is ${c.phase}, not one of ${PLACEABLE_PHASES.join(', ')}` };
  for (const r of p.require) {
    const why = claimMismatch(r, c);
    if (why) return { predicate: 'Claims', message: why };
  }
  for (const t of taintsOf(c)) {
    if (t.effect === 'NoSelectIfNew' && chosenBefore) continue;
    if (p.tolerations.some((x) => x.key === t.key && (!x.effect || x.effect === t.effect))) continue;
    return { predicate: 'Taints', message: `taint ${t.key}:${t.effect} (${t.source}) is not tolerated` };
  }
  if (p.requests) {
    if (!c.capacity) return { predicate: 'Capacity', message: 'capacity unknown: no health check has read the nodes yet' };
    const free = freeOf(c.capacity);
    // Hysteresis band: a cluster that has the workload keeps it while half the headroom is free.
    const share = chosenBefore ? KEEP_SHARE : 1;
    const cpu = Math.ceil(milliCpu(p.requests.cpu) * share);
    const memory = Math.ceil(bytes(p.requests.memory) * share);
    const to = chosenBefore ? 'to keep the workload' : 'to take the workload';
    if (free.cpu < cpu) return { predicate: 'Capacity', message: `out of CPU: ${formatCpu(free.cpu)} free of ${formatCpu(c.capacity.cpu.allocatable)}, ${formatCpu(cpu)} needed ${to}` };
    if (free.memory < memory) return { predicate: 'Capacity', message: `out of memory: ${formatBytes(free.memory)} free of ${formatBytes(c.capacity.memory.allocatable)}, ${formatBytes(memory)} needed ${to}` };
  }
  return undefined;
}
