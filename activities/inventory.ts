import { Context } from '@temporalio/activity';
import { WithStartWorkflowOperation, WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { ClusterSpec } from '../src/domain/cluster/spec.js';
import type { OperationRequest } from '../src/domain/cluster/lifecycle.js';
import type { ClusterState } from '../src/domain/cluster/state.js';
import { FleetSelectorSchema, type ClusterSummary, type FleetSelectorInput } from '../src/domain/selection/fleet-selector.js';
import { readEntitySummary, readFleet } from '../src/temporal/fleet-inventory.js';
import { startingAttributes } from '../src/temporal/search-attributes.js';
import { CLUSTER_ENTITY_TYPE, clusterEntityId } from '../src/domain/cluster/inventory.js';
import { entityMetadata } from '../src/domain/operation-metadata.js';
import { describeProblems, parseWith } from '../src/domain/validation.js';
import { claimOperation, type ClusterEntityWorkflow } from '../src/temporal/messages/cluster.js';
import { step } from './errors.js';

export interface ClaimInput {
  name: string;
  /** Given by provision: registers the cluster first when no entity exists yet. */
  spec?: ClusterSpec;
  request: OperationRequest;
}

/**
 * Claims the cluster's entity for one operation. Provision starts the entity when needed
 * (update-with-start), so a provision from the UI registers the cluster by itself. A refusal
 * (busy, protected) comes back as a non-retryable failure carrying the entity's reason.
 */
export function inventoryActivities(client: Client) {
  return {
    /**
     * The fleet as placement sees it: every registered cluster the selector may match (a
     * visibility query narrows it, `selectClusters` decides), each from its entity's own
     * state, so busy and protected are exact. Sorted by name.
     */
    async listFleet(selector: FleetSelectorInput): Promise<ClusterSummary[]> {
      const parsed = parseWith(FleetSelectorSchema, selector, 'selector');
      if (!parsed.ok) throw ApplicationFailure.nonRetryable(`invalid selector: ${describeProblems(parsed.problems)}`, 'InvalidInput');
      // A thousand entity queries in 16 lanes, heartbeating as they go.
      return readFleet(client, parsed.value, 16, (listed, of) => Context.current().heartbeat({ listed, of }));
    },

    /**
     * One cluster as placement sees it (its maintenance policy included), queried from its
     * entity rather than found by visibility, which lags behind a fresh registration.
     * Undefined when the cluster is not registered.
     */
    async readClusterSummary(name: string): Promise<ClusterSummary | undefined> {
      return readEntitySummary(client, clusterEntityId(name));
    },

    /** Execution status of an operation workflow, e.g. RUNNING, TERMINATED; NOT_FOUND when unknown. */
    async operationStatus(workflowId: string): Promise<string> {
      try {
        return (await client.workflow.getHandle(workflowId).describe()).status.name;
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return 'NOT_FOUND';
        throw err;
      }
    },

    async claimClusterOperation({ name, spec, request }: ClaimInput): Promise<ClusterState> {
      return step(name, 'claiming the cluster', async () => {
        const workflowId = clusterEntityId(name);
        const req = spec ? { ...request, spec } : request;
        try {
          if (spec) {
            const start = new WithStartWorkflowOperation<ClusterEntityWorkflow>(CLUSTER_ENTITY_TYPE, {
              workflowId,
              taskQueue: Context.current().info.taskQueue,
              args: [{ spec }],
              workflowIdConflictPolicy: 'USE_EXISTING',
              ...entityMetadata(spec),
              typedSearchAttributes: startingAttributes(spec),
            });
            return await client.workflow.executeUpdateWithStart(claimOperation, { args: [req], startWorkflowOperation: start });
          }
          return await client.workflow.getHandle(workflowId).executeUpdate(claimOperation, { args: [req] });
        } catch (err) {
          if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
            throw ApplicationFailure.nonRetryable(err.cause.message, err.cause.type ?? 'ClusterBusy');
          }
          if (err instanceof WorkflowNotFoundError) {
            throw ApplicationFailure.nonRetryable(`cluster ${name} is not registered`, 'ClusterNotFound');
          }
          throw err;
        }
      });
    },
  };
}
