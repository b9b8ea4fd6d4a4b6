import type { AppliedBundleRecord } from './applied-bundles.js';
import type { ClusterCapacity } from './capacity.js';
import type { ClusterSpec } from './spec.js';

/** Lifecycle phases of a cluster entity. */
export const CLUSTER_PHASES = [
  'Registered',
  /** An agent cluster waiting for its agent to join with a token, then for an operator to accept it. */
  'AgentPending',
  'Provisioning',
  'Active',
  'Upgrading',
  'Degraded',
  'Failed',
  'Decommissioning',
  'Deleted',
] as const;
export type ClusterPhase = (typeof CLUSTER_PHASES)[number];

/** Operations that change a cluster; at most one runs per cluster at a time. */
export const OPERATION_TYPES = ['provision', 'decommission', 'upgrade', 'apply', 'reconcile'] as const;
export type OperationType = (typeof OPERATION_TYPES)[number];

export type OperationStatus = 'Running' | 'Succeeded' | 'Failed';

export interface OperationRecord {
  /** Workflow id of the operation, e.g. "provision/web-1". */
  id: string;
  type: OperationType;
  status: OperationStatus;
  startedAt: string;
  endedAt?: string;
  /** Step the operation is on (while running) or its outcome in words (when done). */
  message?: string;
  requestedBy?: string;
  reason?: string;
}

export type HealthStatus = 'Unknown' | 'Healthy' | 'Degraded' | 'Unreachable';

export interface ClusterHealth {
  status: HealthStatus;
  checkedAt?: string;
  reasons: string[];
}

/** A change of health verdict, kept so operators see when a cluster went bad and came back. */
export interface HealthTransition {
  at: string;
  from: HealthStatus;
  to: HealthStatus;
  reasons: string[];
}

/**
 * A check the entity makes beside its operations (e.g. whether the running operation's workflow
 * still runs) that failed: recorded for operators and retried later, never a reason for the
 * entity, which is the inventory, to fail.
 */
export interface CheckProblem {
  /** Which check: the activity it calls. */
  check: 'operationStatus';
  /** What went wrong, in words. */
  message: string;
  /** When it first failed (ISO), and how many times in a row since. */
  since: string;
  failures: number;
}

/** Everything the inventory knows about one cluster. Holds no secret. */
export interface ClusterState {
  spec: ClusterSpec;
  phase: ClusterPhase;
  providerId?: string;
  endpoint?: string;
  /** Kubernetes release the control plane reported last, e.g. "1.35.4". */
  version?: string;
  health: ClusterHealth;
  /** What its nodes offer and its pods request, from the last health check that could read them (absent before). */
  capacity?: ClusterCapacity;
  /** Health verdict changes, newest first, bounded (absent in states saved before it existed). */
  healthLog?: HealthTransition[];
  current?: OperationRecord;
  /** Bundles applied to the cluster, with their drift (absent before the first apply). */
  bundles?: AppliedBundleRecord[];
  /** The last operations, newest first, bounded so the state stays small. */
  history: OperationRecord[];
  lastError?: string;
  /** A side check of the entity that keeps failing (absent while every check works). */
  checkProblem?: CheckProblem;
  /** The agent of an agent cluster, once one joined: who, which build, when last heard from, who accepted it. */
  agent?: AgentRecord;
  /** The outstanding join token of an agent cluster: its digest only (src/domain/agent/join.ts), until used or replaced. */
  joinToken?: { digest: string; expiresAt: string; issuedAt: string; issuedBy?: string };
  registeredAt: string;
  updatedAt: string;
}

/** The agent that joined an agent cluster. */
export interface AgentRecord {
  identity: string;
  version: string;
  joinedAt: string;
  lastSeen?: string;
  acceptedAt?: string;
  acceptedBy?: string;
}

/** Fields an operation may report about the cluster as it goes. */
export type ClusterPatch = Partial<Pick<ClusterState, 'providerId' | 'endpoint' | 'version' | 'health' | 'phase' | 'bundles'>>;

export const HISTORY_LIMIT = 20;
export const HEALTH_LOG_LIMIT = 20;
