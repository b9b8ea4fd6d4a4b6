import type { Client } from '@temporalio/client';
import type { Scope } from '../domain/auth/authorize.js';
import { clusterEntityId } from '../domain/cluster/inventory.js';
import { scopeOfClusters, summaryOfSpec, type ScopeRecord, type ScopeSource } from '../domain/change/scope.js';
import { matchesSelector, type ClusterSummary } from '../domain/selection/fleet-selector.js';
import { readEntitySummary, readFleet } from '../temporal/fleet-inventory.js';
import { ApiProblem } from './problem.js';

/**
 * Reads what a change acts on from the inventory: the clusters its input names or selects,
 * with their environments, so the access policy decides on the real fleet and not on what
 * the caller says. Refuses (changing nothing) a change whose cluster is unknown or whose
 * selectors match no cluster.
 */
export async function resolveScope(client: Client, source: ScopeSource): Promise<Scope> {
  switch (source.kind) {
    case 'spec': {
      // A cluster provisioned again under another environment is a change to both.
      const existing = await readEntitySummary(client, clusterEntityId(source.spec.name));
      const scope = scopeOfClusters([summaryOfSpec(source.spec)]);
      return existing ? { ...scope, environments: [...new Set([...scope.environments, existing.environment])].sort() } : scope;
    }
    case 'names': {
      const found = await Promise.all(source.names.map(async (name) => [name, await readEntitySummary(client, clusterEntityId(name))] as const));
      const missing = found.filter(([, s]) => !s).map(([n]) => n);
      if (missing.length) throw new ApiProblem('ClusterNotFound', `cluster ${missing.join(', ')} is not in the inventory`);
      return scopeOfClusters(found.map(([, s]) => s!));
    }
    case 'selectors': {
      const all: ClusterSummary[] = [];
      for (const selector of source.selectors) {
        // The visibility query is a superset of the selection: the selector itself decides.
        all.push(...(await readFleet(client, selector)).filter((c) => matchesSelector(selector, c)));
      }
      if (!all.length) throw new ApiProblem('NothingSelected', `the selector${source.selectors.length > 1 ? 's match' : ' matches'} no cluster of the inventory: the change would do nothing`);
      return scopeOfClusters(all);
    }
  }
}

/**
 * The scope a change was opened on (its memo), with the clusters' current summaries when a
 * decision needs them (a permission narrowed to a fleet selector). Clusters gone from the
 * inventory are left to their environments.
 */
export async function scopeFromRecord(client: Client, record: ScopeRecord | undefined, withClusters: boolean): Promise<Scope> {
  if (!record) return { environments: [] };
  if (!withClusters || !record.clusters.length) return { environments: record.environments };
  const summaries = await Promise.all(record.clusters.map((n) => readEntitySummary(client, clusterEntityId(n))));
  return { environments: record.environments, clusters: summaries.filter((s): s is ClusterSummary => !!s) };
}
