/**
 * How each workflow type behaves when a new Fleetflow worker build becomes the deployment's
 * current version (Temporal Worker Versioning, deployment `fleetflow`).
 *
 * - AUTO_UPGRADE: the run moves to the current build at its next workflow task. For workflows
 *   that run for as long as what they model exists: they would otherwise keep an old build
 *   alive forever. Safe because their code changes only through `patched()` and every type has
 *   a recorded history replayed by the tests.
 * - PINNED: the run stays on the build it started on until it completes (and continues as new
 *   on it); the old build drains once these finish. For operations with a beginning and an
 *   end: a wave or rollout half done keeps the exact code that planned it, and its children
 *   (started on the same task queue) inherit the pin.
 */
export const WORKFLOW_VERSIONING = {
  clusterEntity: { behavior: 'AUTO_UPGRADE', why: 'one per cluster, runs as long as the cluster exists' },
  placedBundle: { behavior: 'AUTO_UPGRADE', why: 'one per placed bundle, reconciles until deleted' },
  fleetPolicy: { behavior: 'AUTO_UPGRADE', why: 'one per FleetPolicy, enforces until deleted' },
  upgradeWave: { behavior: 'PINNED', why: 'an operation: finishes on the code that planned it' },
  upgradeCluster: { behavior: 'PINNED', why: "a wave's child: inherits the wave's build" },
  fleetRollout: { behavior: 'PINNED', why: 'an operation: finishes on the code that planned it' },
  applyBundleToCluster: { behavior: 'PINNED', why: "a rollout's child: inherits the rollout's build" },
  rollbackBundle: { behavior: 'PINNED', why: 'an operation on one cluster' },
  fleetDecommission: { behavior: 'PINNED', why: 'an operation: finishes on the code that planned it' },
  decommissionCluster: { behavior: 'PINNED', why: 'an operation on one cluster' },
  provisionCluster: { behavior: 'PINNED', why: 'an operation on one cluster' },
  fleetChange: { behavior: 'PINNED', why: 'an operation: finishes on the code that planned it' },
  changeCallbacks: { behavior: 'PINNED', why: "delivers one change's callbacks, then ends" },
} as const satisfies Record<string, { behavior: 'AUTO_UPGRADE' | 'PINNED'; why: string }>;

export type VersionedWorkflowType = keyof typeof WORKFLOW_VERSIONING;
export type VersioningBehaviorName = (typeof WORKFLOW_VERSIONING)[VersionedWorkflowType]['behavior'];

/**
 * The options a workflow type declares for the worker that runs it. A worker without a
 * deployment version (versioning off: the dev server default, every existing test) must not
 * declare a behavior at all: the server refuses the workflow task ("versioning behavior cannot
 * be specified without deployment options being set with versioned mode").
 */
export function versioningOptions(type: VersionedWorkflowType, deploymentName: string | undefined): { versioningBehavior?: VersioningBehaviorName } {
  return deploymentName ? { versioningBehavior: WORKFLOW_VERSIONING[type].behavior } : {};
}
