// The workflow bundle's entry: every workflow type the worker serves.
export { clusterEntity } from './cluster-entity.js';
export { provisionCluster } from './provision-cluster.js';
export { decommissionCluster } from './decommission-cluster.js';
export { applyBundleToCluster } from './apply-bundle.js';
export { upgradeCluster } from './upgrade-cluster.js';
export { upgradeWave } from './upgrade-wave.js';
export { rollbackBundle } from './rollback-bundle.js';
export { fleetRollout } from './fleet-rollout.js';
export { fleetDecommission } from './fleet-decommission.js';
export { fleetChange } from './fleet-change.js';
export { changeCallbacks } from './change-callbacks.js';
export { placedBundle } from './placed-bundle.js';
export { fleetPolicy } from './fleet-policy.js';
