import type { ClusterSpec } from './spec.js';
import type { ClusterState } from './state.js';

/**
 * Search attributes that make the fleet inventory a visibility query. Few on purpose: SQL
 * visibility caps custom attributes per type.
 */
export const INVENTORY_ATTRIBUTES = {
  provider: 'FleetProvider',
  region: 'FleetRegion',
  environment: 'FleetEnvironment',
  version: 'FleetVersion',
  phase: 'FleetPhase',
  health: 'FleetHealth',
  labels: 'FleetLabels',
} as const;

/** Values of the inventory attributes for a cluster state (labels as "key=value" items). */
export function inventoryValues(state: ClusterState) {
  return {
    provider: state.spec.provider,
    region: state.spec.region,
    environment: state.spec.environment,
    version: state.version ?? state.spec.kubernetesVersion ?? '',
    phase: state.phase,
    health: state.health.status,
    labels: Object.entries(state.spec.labels)
      .map(([k, v]) => `${k}=${v}`)
      .sort(),
  };
}

/** Workflow type and id scheme of cluster entities. */
export const CLUSTER_ENTITY_TYPE = 'clusterEntity';
export const clusterEntityId = (name: string) => `cluster/${name}`;

/** The line the Temporal UI shows for an entity in its workflow list. */
export const entitySummary = (spec: ClusterSpec) => `cluster ${spec.name} (${spec.provider}/${spec.region}, ${spec.environment})`;
