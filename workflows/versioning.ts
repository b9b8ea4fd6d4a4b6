import { setWorkflowOptions, workflowInfo, type Workflow } from '@temporalio/workflow';
import { versioningOptions, type VersionedWorkflowType } from '../src/domain/versioning/workflow-versioning.js';

/**
 * Declares every workflow type's versioning behavior from the table in
 * src/domain/versioning/workflow-versioning.ts. Evaluated per run, when the run starts on a
 * worker: with a deployment version it declares the type's behavior, without one (versioning
 * off) nothing. The argument must name every type of the table, so a new workflow type cannot
 * be exported without a decision.
 */
export function declareVersioning(workflows: Record<VersionedWorkflowType, Workflow>): void {
  for (const [type, fn] of Object.entries(workflows) as [VersionedWorkflowType, Workflow][]) {
    setWorkflowOptions(() => versioningOptions(type, workflowInfo().currentDeploymentVersion?.deploymentName), fn);
  }
}
