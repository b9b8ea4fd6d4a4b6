import type { ClusterSummary } from '../selection/fleet-selector.js';
import { authorize, type Decision, type Principal, type Scope } from './authorize.js';
import { ANY_ENVIRONMENT, type AccessPolicy } from './policy.js';

/**
 * Who may see a fleet-wide resource (a placement in force, a placement preview, a fleet policy)
 * through the API. Such a resource is about the clusters it concerns: viewing it is `view` on
 * every one of them, as viewing a change is `view` on its clusters. A resource that concerns no
 * cluster yet is about the environments its selector names, or, when it names none, about any
 * environment: only a grant on every environment (`*`) covers that.
 */

/** The clusters a resource concerns, known by name, and its selector's environments. */
export interface FleetResource {
  /** The clusters by name: a placement's decision and the clusters that have its bundle, a policy's matrix rows. */
  clusters: readonly string[];
  /** The selector's `environments`, when it names some. */
  environments?: readonly string[];
}

/**
 * The scope of viewing a resource, given the inventory by name. A cluster the inventory no
 * longer holds (gone since the resource last looked) concerns nobody's permission and is left out.
 *
 * @example fleetResourceScope({ clusters: ['web-1'] }, inventory) // { environments: [], clusters: [<web-1's summary>] }
 */
export function fleetResourceScope(r: FleetResource, inventory: ReadonlyMap<string, ClusterSummary>): Scope {
  const clusters = [...new Set(r.clusters)].sort().flatMap((n) => (inventory.has(n) ? [inventory.get(n)!] : []));
  if (clusters.length) return { environments: [], clusters };
  return { environments: r.environments?.length ? [...r.environments] : [ANY_ENVIRONMENT] };
}

/** Whether the principal may view the resource; the denial names the first cluster or environment not covered. */
export function authorizeFleetResource(policy: AccessPolicy, principal: Principal, r: FleetResource, inventory: ReadonlyMap<string, ClusterSummary>): Decision {
  return authorize(policy, principal, { kind: 'view', scope: fleetResourceScope(r, inventory) });
}

/**
 * The clusters of a fleet-wide list (the compliance matrix) the principal may view, in their
 * order: a row of a cluster the principal may not view is left out, as GET /v1/clusters leaves it out.
 */
export function viewableClusters(policy: AccessPolicy, principal: Principal, names: readonly string[], inventory: ReadonlyMap<string, ClusterSummary>): string[] {
  return names.filter((n) => {
    const c = inventory.get(n);
    return c !== undefined && authorize(policy, principal, { kind: 'view', scope: { environments: [], clusters: [c] } }).allow;
  });
}
