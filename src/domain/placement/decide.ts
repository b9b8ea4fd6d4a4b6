import { domainOf, type PlacementCluster } from './cluster.js';
import { failedPredicate, type PredicateFailure } from './predicates.js';
import { formatScore, scoreCluster, type ScoreBreakdown } from './prioritizers.js';
import type { Placement, SpreadConstraint } from './spec.js';

/**
 * The placement decision, a pure function of the placement, the fleet and what was chosen
 * before (with an injected clock): filter -> score -> take `numberOfClusters` under the spread
 * constraints. Every cluster comes back with whether it was chosen and why.
 *
 * Hysteresis, so a flapping cluster does not move the workload back and forth:
 * - a cluster chosen before that starts failing a transient predicate (a taint such as
 *   fleetflow.dev/unhealthy, or capacity) keeps its place for `removeAfter` from the first
 *   decision that saw it fail (`failingSince`, carried from decision to decision);
 * - a cluster chosen before needs only half the `requests` headroom to stay (predicates.ts);
 * - the Steady prioritizer gives a chosen cluster a bonus (by default more than capacity can
 *   give another), so a cluster that recovers does not take the workload back.
 */

/** Where a cluster stands in a decision. */
export type PlacementVerdict = 'Chosen' | 'Kept' | 'Filtered' | 'NotChosen' | 'CutBySkew';

/** One cluster's part of a decision. */
export interface ClusterDecision {
  name: string;
  chosen: boolean;
  verdict: PlacementVerdict;
  /** In words: the failed predicate, the score and rank, or what cut it. */
  reason: string;
  predicate?: PredicateFailure['predicate'] | 'NotFound';
  score?: ScoreBreakdown;
}

/** A whole decision. `failingSince` goes into the next decision's context. */
export interface PlacementDecision {
  wanted: number | 'all';
  /** The chosen clusters, by name. */
  chosen: string[];
  /** Every cluster considered (and every one chosen before, even if gone), by name. */
  clusters: ClusterDecision[];
  /** Clusters chosen before that fail a transient predicate, since when (ISO). */
  failingSince: Record<string, string>;
  summary: string;
}

/** What the decision before this one left: the clusters it chose and which of them were failing since when. */
export interface PlacementContext {
  current?: readonly string[];
  failingSince?: Readonly<Record<string, string>>;
  /** Clusters not to choose anew for now (e.g. whose apply just failed), with why. */
  avoid?: Readonly<Record<string, string>>;
  now: number;
}

/** Predicates whose failure may pass (health, capacity): these get the `removeAfter` grace. */
const TRANSIENT: ReadonlySet<string> = new Set(['Taints', 'Capacity']);

const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * Decides which clusters the placement picks.
 *
 * @example decidePlacement(PlacementSchema.parse({ numberOfClusters: 1 }), fleet, { now: Date.now() }).chosen // ['c-1']
 */
export function decidePlacement(p: Placement, fleet: readonly PlacementCluster[], ctx: PlacementContext): PlacementDecision {
  const nowIso = new Date(ctx.now).toISOString();
  const before = new Set(ctx.current ?? []);
  const clusters = dedupe(fleet);
  const out = new Map<string, ClusterDecision>();
  const failingSince: Record<string, string> = {};
  const feasible: PlacementCluster[] = [];
  const kept: PlacementCluster[] = [];

  for (const c of clusters) {
    const chosenBefore = before.has(c.name);
    const avoided = !chosenBefore ? ctx.avoid?.[c.name] : undefined;
    const f: PredicateFailure | undefined = avoided ? { predicate: 'Avoided', message: avoided } : failedPredicate(p, c, chosenBefore);
    if (!f) {
      feasible.push(c);
      continue;
    }
    if (chosenBefore && TRANSIENT.has(f.predicate)) {
      const since = ctx.failingSince?.[c.name] ?? nowIso;
      const left = Date.parse(since) + p.removeAfter - ctx.now;
      if (left > 0) {
        failingSince[c.name] = since;
        kept.push(c);
        out.set(c.name, { name: c.name, chosen: true, verdict: 'Kept', predicate: f.predicate, reason: `kept for now: ${f.message} since ${since}; it loses its place after ${Math.ceil(left / 1000)} s more` });
        continue;
      }
    }
    out.set(c.name, { name: c.name, chosen: false, verdict: 'Filtered', predicate: f.predicate, reason: `${f.predicate}: ${f.message}` });
  }
  for (const name of [...before].sort()) {
    if (!clusters.some((c) => c.name === name)) out.set(name, { name, chosen: false, verdict: 'Filtered', predicate: 'NotFound', reason: 'NotFound: no longer in the fleet' });
  }

  const wanted = p.numberOfClusters ?? 'all';
  const chosenNow: PlacementCluster[] = [...kept];
  const score = (c: PlacementCluster) => scoreCluster(p.prioritizers, c, { chosenBefore: before, chosenNow });
  if (wanted === 'all') {
    chosenNow.push(...feasible);
  } else {
    const pool = [...feasible];
    while (chosenNow.length < wanted && pool.length) {
      const allowed = pool.filter((c) => !skewBreach(p.spread, c, chosenNow, [...kept, ...feasible]));
      if (!allowed.length) break;
      const best = allowed
        .map((c) => ({ c, s: score(c).total }))
        .sort((a, b) => b.s - a.s || byName(a.c, b.c))[0]!.c;
      chosenNow.push(best);
      pool.splice(pool.indexOf(best), 1);
    }
  }

  // Scores are told as they stand once the choice is made (Spread counts the chosen others).
  const chosenSet = new Set(chosenNow.map((c) => c.name));
  const ranked = [...feasible].map((c) => ({ c, s: score(c) })).sort((a, b) => b.s.total - a.s.total || byName(a.c, b.c));
  const lastChosen = ranked.filter((r) => chosenSet.has(r.c.name)).at(-1);
  ranked.forEach(({ c, s }, i) => {
    const rank = `rank ${i + 1} of ${ranked.length}, score ${formatScore(s)}`;
    if (chosenSet.has(c.name)) {
      out.set(c.name, { name: c.name, chosen: true, verdict: 'Chosen', score: s, reason: rank });
      return;
    }
    const skew = skewBreach(p.spread, c, chosenNow, [...kept, ...feasible]);
    if (skew) {
      out.set(c.name, { name: c.name, chosen: false, verdict: 'CutBySkew', score: s, reason: `${rank}; cut by spread: ${skew}` });
    } else {
      const bar = lastChosen ? ` (the last chosen scored ${lastChosen.s.total})` : '';
      out.set(c.name, { name: c.name, chosen: false, verdict: 'NotChosen', score: s, reason: `${rank}; cut by count: ${wanted} cluster${wanted === 1 ? '' : 's'} wanted${bar}` });
    }
  });

  const chosen = [...chosenSet].sort();
  const short = wanted !== 'all' && chosen.length < wanted ? ` (only ${chosen.length} of ${wanted} wanted could be placed)` : '';
  return {
    wanted,
    chosen,
    clusters: [...out.values()].sort(byName),
    failingSince,
    summary: `${chosen.length} chosen of ${clusters.length} clusters: ${chosen.join(', ') || 'none'}${short}`,
  };
}

function dedupe(fleet: readonly PlacementCluster[]): PlacementCluster[] {
  const seen = new Map<string, PlacementCluster>();
  for (const c of fleet) if (!seen.has(c.name)) seen.set(c.name, c);
  return [...seen.values()].sort(byName);
}

/**
 * Why choosing `c` next would break a spread constraint, or undefined: its domain would hold
 * more than `maxSkew` clusters beyond the emptiest domain among the candidates' domains, as
 * Kubernetes counts topology spread. A cluster without the topology key is not limited by it.
 */
export function skewBreach(spread: readonly SpreadConstraint[], c: PlacementCluster, chosen: readonly PlacementCluster[], candidates: readonly PlacementCluster[]): string | undefined {
  for (const s of spread) {
    const domain = domainOf(c, s.topologyKey);
    if (domain === undefined) continue;
    const domains = new Set(candidates.map((x) => domainOf(x, s.topologyKey)).filter((d): d is string => d !== undefined));
    const count = (d: string) => chosen.filter((x) => domainOf(x, s.topologyKey) === d).length;
    const min = Math.min(...[...domains].map(count));
    const skew = count(domain) + 1 - min;
    if (skew > s.maxSkew) return `${s.topologyKey} ${domain} would have ${count(domain) + 1} chosen against ${min} in the emptiest, skew ${skew} over maxSkew ${s.maxSkew}`;
  }
  return undefined;
}
