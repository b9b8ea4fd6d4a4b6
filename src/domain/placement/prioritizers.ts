import { freeOf } from '../cluster/capacity.js';
import { domainOf, type PlacementCluster } from './cluster.js';
import type { Prioritizer, PrioritizerName } from './spec.js';

/**
 * The prioritizers: each scores a cluster 0..100, and a cluster's total is the sum of
 * weight x score. Free capacity is a share of the cluster's own allocatable (not relative to the
 * other clusters), so one cluster's score does not move when another cluster changes.
 */

/** Weighted points per prioritizer, and their sum. */
export interface ScoreBreakdown {
  total: number;
  parts: Partial<Record<PrioritizerName, number>>;
}

/** What the scores depend on beyond the cluster: the clusters chosen before and those chosen so far in this decision. */
export interface ScoreContext {
  chosenBefore: ReadonlySet<string>;
  chosenNow: readonly PlacementCluster[];
}

function rawScore(p: Prioritizer, c: PlacementCluster, ctx: ScoreContext): number {
  switch (p.name) {
    case 'FreeCPU':
    case 'FreeMemory': {
      if (!c.capacity) return 0;
      const which = p.name === 'FreeCPU' ? 'cpu' : 'memory';
      const allocatable = c.capacity[which].allocatable;
      return allocatable > 0 ? Math.round((freeOf(c.capacity)[which] / allocatable) * 100) : 0;
    }
    case 'Steady':
      return ctx.chosenBefore.has(c.name) ? 100 : 0;
    case 'Spread': {
      // Fewer clusters already chosen in its domain, higher score: 100, 50, 33, ...
      const key = p.topologyKey ?? 'region';
      const domain = domainOf(c, key);
      if (domain === undefined) return 0;
      const same = ctx.chosenNow.filter((o) => o.name !== c.name && domainOf(o, key) === domain).length;
      return Math.round(100 / (1 + same));
    }
  }
}

/** The cluster's score under the placement's prioritizers (weight 0 ones are left out). */
export function scoreCluster(prioritizers: readonly Prioritizer[], c: PlacementCluster, ctx: ScoreContext): ScoreBreakdown {
  const parts: Partial<Record<PrioritizerName, number>> = {};
  let total = 0;
  for (const p of prioritizers) {
    if (p.weight === 0) continue;
    const points = p.weight * rawScore(p, c, ctx);
    parts[p.name] = (parts[p.name] ?? 0) + points;
    total += points;
  }
  return { total, parts };
}

/** "310 (FreeCPU 40 + FreeMemory 70 + Spread 100 + Steady 300)". */
export function formatScore(s: ScoreBreakdown): string {
  const parts = Object.entries(s.parts).map(([k, v]) => `${k} ${v}`);
  return `${s.total}${parts.length ? ` (${parts.join(' + ')})` : ''}`;
}
