import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ClusterSpecInput } from '../../domain/cluster/spec.js';
import type { OperationOutcome, OperationRequest } from '../../domain/cluster/lifecycle.js';
import type { ClusterPatch, ClusterState } from '../../domain/cluster/state.js';

/** Input of the cluster entity: a spec to register, or the state carried over by continue-as-new. */
export interface ClusterEntityInput {
  spec: ClusterSpecInput;
  state?: ClusterState;
}

/** The entity's signature, for clients and activities that start it by type name without importing workflow code. */
export type ClusterEntityWorkflow = (input: ClusterEntityInput) => Promise<ClusterState>;

export interface OperationProgress {
  operationId: string;
  step?: string;
  patch?: ClusterPatch;
}

/** The cluster's whole state (spec, phase, provider id, version, health, operations). */
export const getClusterState = defineQuery<ClusterState>('getClusterState');

/** Starts a mutating operation; refused (with the reason) while another one runs. */
export const claimOperation = defineUpdate<ClusterState, [OperationRequest]>('claimOperation');

/** Registers or re-registers the spec; provider, region and version are fixed once provisioned. */
export const registerCluster = defineUpdate<ClusterState, [ClusterSpecInput]>('registerCluster');

/** The running operation reports a step and what it learned about the cluster. */
export const operationProgress = defineSignal<[OperationProgress]>('operationProgress');

/** The running operation ended; the entity records it and frees the cluster. */
export const operationFinished = defineSignal<[OperationOutcome]>('operationFinished');
