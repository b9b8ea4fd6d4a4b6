import type { FailureType } from '../failure-types.js';
import type { ClusterSpec } from './spec.js';
import { isAgentCluster } from './connection.js';
import {
  HISTORY_LIMIT,
  type ClusterPatch,
  type ClusterPhase,
  type ClusterState,
  type OperationRecord,
  type OperationType,
} from './state.js';

/** A request to start a mutating operation on a cluster. */
export interface OperationRequest {
  id: string;
  type: OperationType;
  requestedBy?: string;
  force?: boolean;
  reason?: string;
  /** A provision may bring a newer spec (labels, description) along. */
  spec?: ClusterSpec;
}

/** Why an operation was refused: a failure type name and a sentence for the user. */
export interface Refusal {
  type: Extract<FailureType, 'ClusterBusy' | 'ClusterProtected' | 'ClusterDeleted' | 'ClusterNotActive' | 'InvalidClusterSpec'>;
  message: string;
}

export function newClusterState(spec: ClusterSpec, now: string): ClusterState {
  return {
    spec,
    // An agent cluster is not provisioned: its agent joins, and an operator accepts it.
    phase: isAgentCluster(spec) ? 'AgentPending' : 'Registered',
    health: { status: 'Unknown', reasons: [] },
    history: [],
    registeredAt: now,
    updatedAt: now,
  };
}

/** The phase while an operation runs; applying or reconciling a bundle leaves the phase as it is. */
const PHASE_DURING: Partial<Record<OperationType, ClusterPhase>> = {
  provision: 'Provisioning',
  decommission: 'Decommissioning',
  upgrade: 'Upgrading',
};

/** Operations that need a provisioned cluster (Active or Degraded). */
const NEEDS_RUNNING_CLUSTER: readonly OperationType[] = ['upgrade', 'apply', 'reconcile'];

/**
 * Why an operation may not start now, or undefined when it may.
 * Invariant: at most one mutating operation per cluster; a second one is refused, not queued,
 * so the caller learns at once and nothing waits unseen behind a long provision.
 */
export function refuseOperation(state: ClusterState, req: OperationRequest): Refusal | undefined {
  const name = state.spec.name;
  if (state.current) {
    if (state.current.id === req.id && state.current.type === req.type) return undefined; // a retried claim
    return {
      type: 'ClusterBusy',
      message:
        `cluster ${name} is busy: ${state.current.type} operation ${state.current.id} has been running since ` +
        `${state.current.startedAt}; try again when it has finished`,
    };
  }
  if (state.phase === 'Deleted') return { type: 'ClusterDeleted', message: `cluster ${name} has been decommissioned` };
  if (req.type === 'provision' && isAgentCluster(req.spec ?? state.spec)) {
    return { type: 'InvalidClusterSpec', message: `cluster ${name} is reached through an agent: it joins with \`fleetflow clusters join-token\` and \`accept\` instead of being provisioned` };
  }
  if (req.type === 'provision' && state.phase === 'Decommissioning') {
    return { type: 'ClusterBusy', message: `cluster ${name} is being decommissioned and cannot be provisioned` };
  }
  if (NEEDS_RUNNING_CLUSTER.includes(req.type) && state.phase !== 'Active' && state.phase !== 'Degraded') {
    return { type: 'ClusterNotActive', message: `cluster ${name} is ${state.phase}: ${req.type} needs an Active or Degraded cluster` };
  }
  if (req.type === 'decommission' && state.spec.protected) {
    if (!req.force) {
      return { type: 'ClusterProtected', message: `cluster ${name} is protected: decommission it with force and a reason` };
    }
    if (!req.reason?.trim()) {
      return { type: 'ClusterProtected', message: `cluster ${name} is protected: a forced decommission needs a reason` };
    }
  }
  if (req.spec) {
    const specRefusal = refuseSpecChange(state, req.spec);
    if (specRefusal) return { type: 'InvalidClusterSpec', message: specRefusal };
  }
  return undefined;
}

export function beginOperation(state: ClusterState, req: OperationRequest, now: string): ClusterState {
  if (state.current?.id === req.id) return state;
  if (req.spec) state = changeSpec(state, req.spec, now);
  const current: OperationRecord = {
    id: req.id,
    type: req.type,
    status: 'Running',
    startedAt: now,
    message: 'started',
    ...(req.requestedBy ? { requestedBy: req.requestedBy } : {}),
    ...(req.reason ? { reason: req.reason } : {}),
  };
  return { ...state, current, phase: PHASE_DURING[req.type] ?? state.phase, updatedAt: now };
}

/** Merges what a running operation reports; reports from any other operation are ignored. */
export function applyProgress(
  state: ClusterState,
  operationId: string,
  step: string | undefined,
  patch: ClusterPatch,
  now: string,
): ClusterState {
  if (state.current?.id !== operationId) return state;
  const current = step ? { ...state.current, message: step } : state.current;
  return { ...state, ...patch, current, updatedAt: now };
}

export interface OperationOutcome {
  operationId: string;
  succeeded: boolean;
  message: string;
  patch?: ClusterPatch;
}

/** Ends the running operation: success takes the patch (e.g. phase Active), failure keeps the error. */
export function finishOperation(state: ClusterState, outcome: OperationOutcome, now: string): ClusterState {
  if (state.current?.id !== outcome.operationId) return state;
  const done: OperationRecord = {
    ...state.current,
    status: outcome.succeeded ? 'Succeeded' : 'Failed',
    endedAt: now,
    message: outcome.message,
  };
  // A failing look at the operation's workflow is moot once the operation has ended.
  const { current: _ended, lastError: _previous, checkProblem: _moot, ...rest } = state;
  return {
    ...rest,
    ...outcome.patch,
    phase: outcome.patch?.phase ?? (outcome.succeeded ? state.phase : phaseAfterFailure(state)),
    history: [done, ...state.history].slice(0, HISTORY_LIMIT),
    ...(outcome.succeeded ? {} : { lastError: outcome.message }),
    updatedAt: now,
  };
}

/**
 * Where a failed operation leaves the cluster. A failed provision or decommission leaves it in
 * an unknown middle state (Failed until retried); a failed upgrade leaves a running cluster
 * that needs a look (Degraded, so it can be retried); a failed apply changes no phase.
 */
function phaseAfterFailure(state: ClusterState): ClusterPhase {
  switch (state.current?.type) {
    case 'upgrade':
      return 'Degraded';
    case 'apply':
    case 'reconcile':
      return state.phase;
    default:
      return 'Failed';
  }
}

/** Spec fields that may change by re-registering; the rest need an operation. */
const MUTABLE_FIELDS = ['labels', 'environment', 'protected', 'description'] as const;

/** Why a re-registration with this spec is refused, or undefined. */
export function refuseSpecChange(state: ClusterState, next: ClusterSpec): string | undefined {
  if (next.name !== state.spec.name) return `spec.name: is ${next.name}, but this entity is ${state.spec.name}`;
  if (state.phase === 'Registered' || state.phase === 'Failed') return undefined;
  for (const field of ['provider', 'region', 'kubernetesVersion'] as const) {
    if (next[field] !== undefined && next[field] !== state.spec[field]) {
      return `spec.${field}: cannot change from ${state.spec[field] ?? '(unset)'} to ${next[field]} while the cluster is ${state.phase}`;
    }
  }
  return undefined;
}

export function changeSpec(state: ClusterState, next: ClusterSpec, now: string): ClusterState {
  if (state.phase === 'Registered' || state.phase === 'Failed') return { ...state, spec: next, updatedAt: now };
  const spec = { ...state.spec };
  for (const field of MUTABLE_FIELDS) (spec as Record<string, unknown>)[field] = next[field];
  return { ...state, spec, updatedAt: now };
}
