import type { ChangeType } from '../auth/policy.js';
import type { Scope } from '../auth/authorize.js';
import type { ClusterSpec } from '../cluster/spec.js';
import type { ClusterSummary, FleetSelector } from '../selection/fleet-selector.js';

/**
 * What a change acts on, as the access policy needs it: the environments and clusters it
 * touches. The input says where to look (a spec, cluster names, selectors); the inventory
 * (read by the API) says what is there.
 */

/** Where the clusters of a change are found: in its own spec, by name, or by selectors. */
export type ScopeSource =
  | { kind: 'spec'; spec: ClusterSpec }
  | { kind: 'names'; names: string[] }
  | { kind: 'selectors'; selectors: FleetSelector[] };

/** The input of each change type, parsed, as far as its scope needs it. */
type ParsedInput = {
  spec?: ClusterSpec;
  name?: string;
  selector?: FleetSelector;
  /** A placed rollout: the clusters its placement may choose from. */
  placement?: { selector: FleetSelector };
  targets?: { selector: FleetSelector }[];
};

/**
 * Where to find the clusters of a change from its parsed input: a provision's own spec (the
 * cluster may not exist yet), the named cluster of a decommission or an upgrade, the
 * selectors of a fleet operation (an upgrade wave has one per target).
 */
export function scopeSourceOf(type: ChangeType, input: ParsedInput): ScopeSource {
  switch (type) {
    case 'provision':
      return { kind: 'spec', spec: input.spec! };
    case 'decommission':
    case 'upgradeCluster':
      return { kind: 'names', names: [input.name!] };
    case 'upgradeWave':
      return { kind: 'selectors', selectors: (input.targets ?? []).map((t) => t.selector) };
    case 'rollout':
    case 'fleetDecommission':
      return { kind: 'selectors', selectors: [input.selector ?? input.placement!.selector] };
  }
}

/** A cluster about to be provisioned, as the policy sees it: what its spec says. */
export function summaryOfSpec(spec: ClusterSpec): ClusterSummary {
  return {
    name: spec.name,
    provider: spec.provider,
    region: spec.region,
    environment: spec.environment,
    ...(spec.kubernetesVersion ? { version: spec.kubernetesVersion } : {}),
    labels: { ...spec.labels },
    phase: 'Registered',
    protected: spec.protected,
  };
}

/** The scope of a set of clusters: their environments (sorted, once each) and the clusters. */
export function scopeOfClusters(clusters: readonly ClusterSummary[]): Scope {
  const byName = new Map(clusters.map((c) => [c.name, c]));
  const list = [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { environments: [...new Set(list.map((c) => c.environment))].sort(), clusters: list };
}

/** What the memo keeps of a scope, so later requests on the change are authorized on the same ground. */
export interface ScopeRecord {
  environments: string[];
  clusters: string[];
}

/** The record of a scope: environments and cluster names only (summaries are read again when needed). */
export function recordOfScope(scope: Scope): ScopeRecord {
  return { environments: [...scope.environments], clusters: (scope.clusters ?? []).map((c) => c.name) };
}

/**
 * The clusters and environments of one gate of a staged change: those of the gate's stage
 * ("prod:before" is stage prod), read from the progress query's per-cluster list. Undefined
 * when the progress does not say (the caller then uses the whole change's scope).
 */
export function gateScopeOf(gate: string, clusters: readonly { name: string; stage?: string; environment?: string }[]): ScopeRecord | undefined {
  const stage = gate.replace(/:(before|after)$/, '');
  const inStage = clusters.filter((c) => c.stage === stage && c.environment);
  if (!inStage.length) return undefined;
  return { environments: [...new Set(inStage.map((c) => c.environment!))].sort(), clusters: inStage.map((c) => c.name).sort() };
}
