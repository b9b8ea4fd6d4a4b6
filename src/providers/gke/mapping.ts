import { createHash } from 'node:crypto';
import { protos } from '@google-cloud/container';
import type { ProviderChange, ProviderCluster, ProviderClusterStatus, ProviderNodePool } from '../types.js';

/**
 * Pure translations between GKE's API objects and the provider contract: resource names,
 * statuses, versions and labels. No calls here.
 */

type Cluster = protos.google.container.v1.ICluster;
type NodePool = protos.google.container.v1.INodePool;
type Operation = protos.google.container.v1.IOperation;
const v1 = protos.google.container.v1;

/** Resource names of the v1 API ("projects/P/locations/L/clusters/C/nodePools/N"). */
export const gkePaths = {
  location: (project: string, location: string) => `projects/${project}/locations/${location}`,
  cluster: (project: string, location: string, cluster: string) => `projects/${project}/locations/${location}/clusters/${cluster}`,
  nodePool: (project: string, location: string, cluster: string, pool: string) =>
    `projects/${project}/locations/${location}/clusters/${cluster}/nodePools/${pool}`,
  operation: (project: string, location: string, op: string) => `projects/${project}/locations/${location}/operations/${op}`,
};

/** The resource label whose value marks a cluster as made by one idempotency key. */
export const KEY_LABEL = 'fleetflow-key';

/**
 * The label value for an idempotency key. GKE label values are at most 63 characters of
 * [a-z0-9_-]; a workflow id is neither, so the value is the first 40 hex digits of its
 * SHA-256 (collisions are out of reach; the key itself never needs to be read back).
 */
export function keyLabelValue(idempotencyKey: string): string {
  return createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 40);
}

/** A Kubernetes-style label key or value made into GKE's form: lowercase [a-z0-9_-], max 63. */
function gkeLabelPart(text: string, isKey: boolean): string {
  let out = text.toLowerCase().replace(/[^a-z0-9_-]/g, '_');
  if (isKey && !/^[a-z]/.test(out)) out = `l_${out}`;
  return out.slice(0, 63);
}

/**
 * The cluster's resourceLabels: the spec's labels in GKE's syntax (Kubernetes keys such as
 * "team.example.com/owner" become "team_example_com_owner") plus the idempotency marker.
 */
export function resourceLabels(labels: Record<string, string>, idempotencyKey: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) out[gkeLabelPart(k, true)] = gkeLabelPart(v, false);
  out[KEY_LABEL] = keyLabelValue(idempotencyKey);
  return out;
}

/** An enum field as its name: the gRPC client may decode enums as numbers or strings. */
function enumName(values: Record<string | number, string | number>, v: unknown): string {
  if (typeof v === 'number') return String(values[v] ?? 'STATUS_UNSPECIFIED');
  return typeof v === 'string' ? v : 'STATUS_UNSPECIFIED';
}

/**
 * GKE cluster and node pool statuses -> contract status. DEGRADED (a cluster) and
 * RUNNING_WITH_ERROR (a pool) still serve: Running, with the reason in the message.
 * PROVISIONING and STATUS_UNSPECIFIED are Creating.
 */
const STATUSES: Record<string, ProviderClusterStatus> = {
  RUNNING: 'Running',
  DEGRADED: 'Running',
  RUNNING_WITH_ERROR: 'Running',
  RECONCILING: 'Updating',
  STOPPING: 'Deleting',
  ERROR: 'Failed',
};

export function clusterStatus(status: unknown): ProviderClusterStatus {
  return STATUSES[enumName(v1.Cluster.Status as unknown as Record<string, string>, status)] ?? 'Creating';
}

export function nodePoolStatus(status: unknown): ProviderClusterStatus {
  return STATUSES[enumName(v1.NodePool.Status as unknown as Record<string, string>, status)] ?? 'Creating';
}

/** "1.35.4-gke.1000" -> "1.35.4": the Kubernetes release, as the contract reports versions. */
export function kubernetesRelease(gkeVersion: string | null | undefined): string | undefined {
  const m = /^v?(\d+\.\d+(?:\.\d+)?)/.exec(gkeVersion ?? '');
  return m?.[1];
}

/** True when `current` (GKE form) is the release `wanted` asks for ("1.36" matches "1.36.3-gke.1"). */
export function isRelease(current: string | null | undefined, wanted: string): boolean {
  const have = kubernetesRelease(current)?.split('.');
  const want = wanted.replace(/^v/, '').split('-')[0]!.split('.');
  return !!have && want.every((part, i) => have[i] === part);
}

const messageOf = (...parts: (string | null | undefined)[]) => parts.filter((p) => !!p).join('; ') || undefined;

/** One GKE node pool as the contract reports it. */
export function toProviderNodePool(pool: NodePool): ProviderNodePool {
  const status = nodePoolStatus(pool.status);
  const version = kubernetesRelease(pool.version);
  const message = messageOf(pool.statusMessage, ...(pool.conditions ?? []).map((c) => c.message));
  return { name: pool.name ?? '', status, ...(version ? { version } : {}), ...(message ? { message } : {}) };
}

/** A GKE cluster as the contract reports it: no CA, no credentials, safe for workflow history. */
export function toProviderCluster(cluster: Cluster, providerId: string): ProviderCluster {
  const status = clusterStatus(cluster.status);
  const version = kubernetesRelease(cluster.currentMasterVersion);
  const degraded = enumName(v1.Cluster.Status as unknown as Record<string, string>, cluster.status) === 'DEGRADED' ? 'DEGRADED' : undefined;
  const message = messageOf(degraded, cluster.statusMessage, ...(cluster.conditions ?? []).map((c) => c.message));
  return {
    name: cluster.name ?? '',
    providerId,
    status,
    ...(cluster.endpoint ? { endpoint: `https://${cluster.endpoint}` } : {}),
    ...(version ? { version } : {}),
    ...(message ? { message } : {}),
    nodePools: (cluster.nodePools ?? []).map(toProviderNodePool),
  };
}

/** A GKE operation as a contract change; the id is the operation's full resource name. */
export function toProviderChange(op: Operation, id: string): ProviderChange {
  const status = enumName(v1.Operation.Status as unknown as Record<string, string>, op.status);
  if (status !== 'DONE') {
    const progress = messageOf(op.detail, status === 'ABORTING' ? 'aborting' : undefined);
    return { id, status: 'InProgress', ...(progress ? { message: progress } : {}) };
  }
  // A finished operation that failed carries google.rpc.Status in `error` (statusMessage is the older field).
  const error = op.error?.message || op.statusMessage || (op.error?.code ? `error code ${op.error.code}` : undefined);
  return error ? { id, status: 'Failed', message: error } : { id, status: 'Succeeded' };
}

/** The operation type's name ("UPGRADE_MASTER"), from a number or a string. */
export function operationType(op: Operation): string {
  return enumName(v1.Operation.Type as unknown as Record<string, string>, op.operationType);
}

/** Whether the operation has finished (DONE). */
export function isDone(op: Operation): boolean {
  return enumName(v1.Operation.Status as unknown as Record<string, string>, op.status) === 'DONE';
}
