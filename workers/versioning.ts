import type { WorkerOptions } from '@temporalio/worker';
import type { FleetflowConfig } from '../src/config.js';
import { localBuildId } from '../src/host/build-id.js';

/**
 * The worker's deployment options when versioning is on: a version of the deployment
 * (`fleetflow` by default) with this build's id. Each workflow type declares its own behavior
 * (workflows/versioning.ts); the default only covers a type that forgot, and pins it, the
 * choice that never moves a run onto code it did not start with.
 */
export function workerVersioningOptions(config: Pick<FleetflowConfig, 'versioning'>): Pick<WorkerOptions, 'workerDeploymentOptions'> {
  if (!config.versioning) return {};
  const buildId = config.versioning.buildId ?? localBuildId();
  return {
    workerDeploymentOptions: {
      useWorkerVersioning: true,
      version: { deploymentName: config.versioning.deploymentName, buildId },
      defaultVersioningBehavior: 'PINNED',
    },
  };
}
