import type { Cluster, ErrorDetail, Nodegroup, Update } from '@aws-sdk/client-eks';
import type { ProviderChange, ProviderCluster, ProviderClusterStatus, ProviderNodePool } from '../types.js';

/** Pure translations between EKS's shapes and the provider contract's. */

const CLUSTER_STATUS: Record<string, ProviderClusterStatus> = {
  PENDING: 'Creating',
  CREATING: 'Creating',
  ACTIVE: 'Running',
  UPDATING: 'Updating',
  DELETING: 'Deleting',
  FAILED: 'Failed',
};

// DEGRADED node groups need someone to act (IAM, subnets, capacity): Failed, with EKS's
// health issues as the message, rather than a Running that hides them.
const NODEGROUP_STATUS: Record<string, ProviderClusterStatus> = {
  CREATING: 'Creating',
  ACTIVE: 'Running',
  UPDATING: 'Updating',
  DELETING: 'Deleting',
  CREATE_FAILED: 'Failed',
  DELETE_FAILED: 'Failed',
  DEGRADED: 'Failed',
};

/** The tag that marks a cluster as made by a create with this clientRequestToken. */
export const CREATE_TOKEN_TAG = 'fleetflow.io/create-token';
/** The tag naming the tool that made the cluster. */
export const MANAGED_BY_TAG = 'fleetflow.io/managed-by';

/** EKS takes and reports minor releases only: "1.36.3" -> "1.36". */
export function minorOf(version: string): string {
  return version.replace(/^v/, '').split('.').slice(0, 2).join('.');
}

const issues = (list: { code?: string; message?: string; resourceIds?: string[] }[] | undefined) =>
  (list ?? []).map((i) => `${i.code ?? 'Issue'}: ${i.message ?? ''}${i.resourceIds?.length ? ` (${i.resourceIds.join(', ')})` : ''}`).join('; ');

/** A described EKS cluster as the contract reports it (no CA, no token: safe for history). */
export function toProviderCluster(c: Cluster, nodePools?: ProviderNodePool[]): ProviderCluster {
  const message = issues(c.health?.issues);
  return {
    name: c.name ?? '',
    ...(c.arn ? { providerId: c.arn } : {}),
    status: CLUSTER_STATUS[c.status ?? ''] ?? 'Creating',
    ...(c.endpoint ? { endpoint: c.endpoint } : {}),
    ...(c.version ? { version: c.version } : {}),
    ...(message ? { message } : {}),
    ...(nodePools ? { nodePools } : {}),
  };
}

/** A described node group as the contract reports it. */
export function toNodePool(n: Nodegroup): ProviderNodePool {
  const message = issues(n.health?.issues);
  return {
    name: n.nodegroupName ?? '',
    status: NODEGROUP_STATUS[n.status ?? ''] ?? 'Creating',
    ...(n.version ? { version: n.version } : {}),
    ...(message ? { message } : {}),
  };
}

/** Which EKS update a change id names; the id carries what DescribeUpdate needs. */
export type ChangeRef =
  | { kind: 'cluster'; updateId: string }
  | { kind: 'nodegroup'; nodegroup: string; updateId: string }
  /** No update was needed: the control plane already ran this release. */
  | { kind: 'current'; version: string };

/** `cluster:<updateId>`, `nodegroup:<name>:<updateId>` or `current:<version>`. */
export function changeId(ref: ChangeRef): string {
  switch (ref.kind) {
    case 'cluster':
      return `cluster:${ref.updateId}`;
    case 'nodegroup':
      return `nodegroup:${ref.nodegroup}:${ref.updateId}`;
    case 'current':
      return `current:${ref.version}`;
  }
}

/** Parses a change id made by changeId; undefined when it is not one. */
export function parseChangeId(id: string): ChangeRef | undefined {
  const [kind, a, b, ...rest] = id.split(':');
  if (rest.length > 0) return undefined;
  if (kind === 'cluster' && a && b === undefined) return { kind, updateId: a };
  if (kind === 'nodegroup' && a && b) return { kind, nodegroup: a, updateId: b };
  if (kind === 'current' && a && b === undefined) return { kind, version: a };
  return undefined;
}

const errorText = (errors: ErrorDetail[] | undefined) =>
  (errors ?? []).map((e) => `${e.errorCode ?? 'Error'}: ${e.errorMessage ?? ''}${e.resourceIds?.length ? ` (${e.resourceIds.join(', ')})` : ''}`).join('; ');

/** An EKS update as a contract change: Failed and Cancelled carry EKS's errors in the message. */
export function toChange(id: string, u: Update): ProviderChange {
  const errors = errorText(u.errors);
  switch (u.status) {
    case 'Successful':
      return { id, status: 'Succeeded' };
    case 'Failed':
      return { id, status: 'Failed', message: errors || 'EKS reports the update Failed without errors' };
    case 'Cancelled':
      return { id, status: 'Failed', message: `cancelled${errors ? `: ${errors}` : ''}` };
    default:
      return { id, status: 'InProgress', ...(errors ? { message: errors } : {}) };
  }
}

/** The target release of a version update ("Version" param), if it is one. */
export function updateTarget(u: Update): string | undefined {
  if (u.type !== 'VersionUpdate') return undefined;
  return u.params?.find((p) => p.type === 'Version')?.value;
}
