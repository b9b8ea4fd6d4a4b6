import type { ClusterCapacity } from '../cluster/capacity.js';
import type { ClusterState, HealthStatus } from '../cluster/state.js';
import { clusterSummaryFrom, type ClusterSummary } from '../selection/fleet-selector.js';
import { BUILTIN_CLAIMS, TAINT_EFFECTS, type TaintEffect } from './spec.js';

/** One cluster as placement sees it: its summary, its health verdict and its capacity (when checked). */
export interface PlacementCluster extends ClusterSummary {
  health: HealthStatus;
  capacity?: ClusterCapacity;
}

/** The placement view of a cluster entity's state. */
export function placementClusterFrom(state: ClusterState): PlacementCluster {
  return { ...clusterSummaryFrom(state), health: state.health.status, ...(state.capacity ? { capacity: state.capacity } : {}) };
}

/** A taint on a cluster: set as a label `taint.fleetflow.dev/<key>: <effect>`, or put by Fleetflow itself. */
export interface ClusterTaint {
  key: string;
  effect: TaintEffect;
  /** Where it comes from, for the reason text. */
  source: string;
}

/** Label prefix that declares a taint: `taint.fleetflow.dev/dedicated: NoSelect`. */
export const TAINT_LABEL_PREFIX = 'taint.fleetflow.dev/';
/** The taint Fleetflow puts on a cluster whose last health check was not Healthy. */
export const UNHEALTHY_TAINT = 'fleetflow.dev/unhealthy';

/**
 * A cluster's taints: those its labels declare (an unknown effect counts as NoSelect, the safe
 * reading) and `fleetflow.dev/unhealthy` (NoSelect) while it is Degraded or Unreachable, as
 * Open Cluster Management taints an unavailable cluster.
 */
export function taintsOf(c: PlacementCluster): ClusterTaint[] {
  const taints: ClusterTaint[] = Object.entries(c.labels)
    .filter(([k]) => k.startsWith(TAINT_LABEL_PREFIX) && k.length > TAINT_LABEL_PREFIX.length)
    .map(([k, v]) => ({
      key: k.slice(TAINT_LABEL_PREFIX.length),
      effect: (TAINT_EFFECTS as readonly string[]).includes(v) ? (v as TaintEffect) : 'NoSelect',
      source: `label ${k}=${v}`,
    }));
  if (c.health === 'Degraded' || c.health === 'Unreachable') taints.push({ key: UNHEALTHY_TAINT, effect: 'NoSelect', source: `health ${c.health}` });
  return taints.sort((a, b) => a.key.localeCompare(b.key));
}

/** The values of one claim on a cluster (several for zones), empty when it lacks the claim. */
export function claimValues(c: PlacementCluster, claim: string): string[] {
  switch (claim) {
    case BUILTIN_CLAIMS.region:
      return [c.region];
    case BUILTIN_CLAIMS.provider:
      return [c.provider];
    case BUILTIN_CLAIMS.environment:
      return [c.environment];
    case BUILTIN_CLAIMS.zone:
      return c.capacity?.zones ?? [];
    case BUILTIN_CLAIMS.kubernetesVersion: {
      // The minor ("1.35"): requirements name releases, not patches.
      const minor = c.version?.split('.').slice(0, 2).join('.');
      return minor ? [minor] : [];
    }
    default:
      return Object.hasOwn(c.labels, claim) ? [c.labels[claim]!] : [];
  }
}

/** The cluster's domain for a topology key: region, provider, environment, its zones ("a+b" for several), or a label. */
export function domainOf(c: PlacementCluster, topologyKey: string): string | undefined {
  switch (topologyKey) {
    case 'region':
      return c.region;
    case 'provider':
      return c.provider;
    case 'environment':
      return c.environment;
    case 'zone':
      return c.capacity?.zones.length ? c.capacity.zones.join('+') : undefined;
    default:
      return c.labels[topologyKey];
  }
}
