import type { CompiledPolicy } from './compile.js';
import type { FleetPolicyState } from './policy-state.js';
import { matchesSelector, type ClusterSummary, type FleetSelector } from '../selection/fleet-selector.js';

/**
 * A FleetPolicy applies only to the clusters its selector picks. A cluster an enforced policy
 * was rolled out to that the selector no longer matches (relabelled, moved environment, named
 * in exclude) has the policy's bundle removed; one that is gone (decommissioned, being
 * decommissioned, no longer registered) is only forgotten, as nothing is left to remove from.
 * A cluster that still matches but is busy or not ready keeps its policies: it left nothing.
 */

/** Per enforced policy, the clusters to remove its bundle from and those simply to forget. */
export interface ClustersLeft {
  remove: Record<string, string[]>;
  gone: Record<string, string[]>;
}

/** The clusters enforced policies were rolled out to (rollouts not running), sorted. */
export function enforcedClusters(s: FleetPolicyState, compiled: readonly CompiledPolicy[]): string[] {
  const out = new Set<string>();
  for (const c of compiled) {
    const r = s.rollouts[c.policy];
    if (c.mode === 'enforce' && r && r.status !== 'Running') r.clusters.forEach((n) => out.add(n));
  }
  return [...out].sort();
}

/**
 * Which clusters left each enforced policy, judged against `fleet`: the clusters as the entities
 * report them (a cluster absent from it is gone). A policy whose rollout is running is left alone
 * (the rollout holds its clusters); inform policies have no rollout and are never removed, as
 * they never changed a cluster. Policies with nothing to do are left out; lists are sorted.
 */
export function clustersThatLeft(s: FleetPolicyState, compiled: readonly CompiledPolicy[], selector: FleetSelector, fleet: readonly ClusterSummary[]): ClustersLeft {
  const byName = new Map(fleet.map((c) => [c.name, c]));
  const out: ClustersLeft = { remove: {}, gone: {} };
  for (const c of compiled) {
    const r = s.rollouts[c.policy];
    if (c.mode !== 'enforce' || !r || r.status === 'Running') continue;
    for (const name of [...r.clusters].sort()) {
      const summary = byName.get(name);
      const gone = !summary || summary.phase === 'Deleted' || summary.phase === 'Decommissioning';
      if (gone) (out.gone[c.policy] ??= []).push(name);
      else if (!matchesSelector(selector, summary)) (out.remove[c.policy] ??= []).push(name);
    }
  }
  return out;
}

/** The state once `clusters` no longer hold `policy` (its rollout record forgets them). */
export function withoutPolicyClusters(s: FleetPolicyState, policy: string, clusters: readonly string[]): FleetPolicyState {
  const r = s.rollouts[policy];
  if (!r || !clusters.length) return s;
  return { ...s, rollouts: { ...s.rollouts, [policy]: { ...r, clusters: r.clusters.filter((n) => !clusters.includes(n)) } } };
}
