// The workflow bundle's entry: every workflow type the worker serves, each with its versioning
// behavior (src/domain/versioning/workflow-versioning.ts).
import { clusterEntity } from './cluster-entity.js';
import { provisionCluster } from './provision-cluster.js';
import { decommissionCluster } from './decommission-cluster.js';
import { applyBundleToCluster } from './apply-bundle.js';
import { upgradeCluster } from './upgrade-cluster.js';
import { upgradeWave } from './upgrade-wave.js';
import { rollbackBundle } from './rollback-bundle.js';
import { fleetRollout } from './fleet-rollout.js';
import { fleetDecommission } from './fleet-decommission.js';
import { fleetChange } from './fleet-change.js';
import { changeCallbacks } from './change-callbacks.js';
import { placedBundle } from './placed-bundle.js';
import { fleetPolicy } from './fleet-policy.js';
import { declareVersioning } from './versioning.js';

export {
  clusterEntity,
  provisionCluster,
  decommissionCluster,
  applyBundleToCluster,
  upgradeCluster,
  upgradeWave,
  rollbackBundle,
  fleetRollout,
  fleetDecommission,
  fleetChange,
  changeCallbacks,
  placedBundle,
  fleetPolicy,
};

declareVersioning({
  clusterEntity,
  provisionCluster,
  decommissionCluster,
  applyBundleToCluster,
  upgradeCluster,
  upgradeWave,
  rollbackBundle,
  fleetRollout,
  fleetDecommission,
  fleetChange,
  changeCallbacks,
  placedBundle,
  fleetPolicy,
});
