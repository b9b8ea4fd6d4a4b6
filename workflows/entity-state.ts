import type { ClusterState } from '../src/domain/cluster/state.js';

/** What the entity's checks need of the cluster entity: its state now, and the one way to change it. */
export interface EntityState {
  readonly state: ClusterState;
  update(next: ClusterState): void;
}
