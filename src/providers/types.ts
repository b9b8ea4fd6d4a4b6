import type { ClusterCredentials } from '../kube/credentials.js';
import type { GkeClusterOptions } from '../domain/cluster/gke-options.js';
import type { NodePoolSpec, ProviderName } from '../domain/cluster/spec.js';

/** Where a provider says a cluster is. `NotFound` is an answer, not an error. */
export type ProviderClusterStatus = 'Creating' | 'Running' | 'Updating' | 'Deleting' | 'Stopped' | 'Failed' | 'NotFound';

/** What a provider reports about a cluster: safe to keep in workflow history (no secrets). */
export interface ProviderCluster {
  name: string;
  /** The provider's own id (local: a folder id; EKS: ARN; GKE: selfLink). */
  providerId?: string;
  status: ProviderClusterStatus;
  /** https://host:port of the API server, when known. */
  endpoint?: string;
  /** Kubernetes release the control plane runs, e.g. "1.35.4". */
  version?: string;
  /** Why the status is what it is, in the provider's words. */
  message?: string;
  /** Worker node pools (EKS node groups, GKE node pools, local KWOK nodes); absent for providers without them. */
  nodePools?: ProviderNodePool[];
}

/** One node pool as the provider reports it. */
export interface ProviderNodePool {
  name: string;
  status: ProviderClusterStatus;
  /** Kubernetes release of the pool's kubelets, e.g. "1.35.4" or "1.35". */
  version?: string;
  message?: string;
}

/**
 * A long-running change the provider runs on a cluster (EKS update, GKE operation, local
 * binary swap). Workflows poll describeChange on durable timers until it is not InProgress.
 */
export interface ProviderChange {
  /** The provider's id for it (EKS update id, GKE operation name); opaque to workflows. */
  id: string;
  status: 'InProgress' | 'Succeeded' | 'Failed';
  /** The provider's errors or progress, in its words. */
  message?: string;
}

export interface UpgradeRequest {
  /** Target release, "1.36" or "1.36.3". */
  version: string;
  /** Derived from the workflow id and step: a repeated request returns the same change. */
  idempotencyKey: string;
}

export interface CreateClusterRequest {
  name: string;
  region: string;
  /** "1.35" or "1.35.4"; the provider picks the supported release or refuses. */
  kubernetesVersion?: string;
  labels: Record<string, string>;
  /**
   * Derived from the workflow id and step: a retried or repeated create with the same key
   * returns the cluster it already made instead of making a second one.
   */
  idempotencyKey: string;
  account?: string;
  /**
   * Worker node pools to create with the cluster, where the provider makes them in the same
   * call (GKE; local, whose nodes register once the API server answers; a local cluster
   * without them gets one default pool). EKS ignores them: node groups are made once the
   * cluster runs.
   */
  nodePools?: readonly NodePoolSpec[];
  /** GKE only: release channel, network, subnetwork, private nodes. */
  gke?: GkeClusterOptions;
}

export interface ClusterRef {
  name: string;
  region: string;
  providerId?: string;
  /** Configured account (credentials, project) the cluster lives in; the default when absent. */
  account?: string;
}


/**
 * The seam between workflows and clouds; every method is safe to call twice. Unsupported
 * operations throw PermanentError('NotSupported') naming the provider.
 */
export interface ClusterProvider {
  readonly name: ProviderName;
  /** Starts creating the cluster, or returns (adopts) the one this key already created. */
  create(req: CreateClusterRequest): Promise<ProviderCluster>;
  /** Current state; status `NotFound` when it does not exist. */
  describe(ref: ClusterRef): Promise<ProviderCluster>;
  /**
   * Starts deleting (node pools first where the cloud requires it); status `NotFound` once it
   * is gone. Deleting a missing cluster is fine.
   */
  delete(ref: ClusterRef): Promise<ProviderCluster>;
  /** Built in the worker from its own environment; never returned to a workflow. */
  credentials(ref: ClusterRef): Promise<ClusterCredentials>;
  /**
   * A kubeconfig (YAML) for a person at a terminal (`fleetflow clusters kubeconfig NAME`), built
   * where it is asked for from that process's environment; never passed to a workflow. Cloud
   * providers name the person's own identity (an exec plugin), never the worker's.
   */
  kubeconfig(ref: ClusterRef): Promise<string>;
  /** Starts creating the pools the cluster lacks (by name); existing ones are left alone. */
  createNodePools(ref: ClusterRef, pools: readonly NodePoolSpec[], idempotencyKey: string): Promise<ProviderNodePool[]>;
  /** Starts a control-plane upgrade, or returns the change this key already started. */
  upgradeControlPlane(ref: ClusterRef, req: UpgradeRequest): Promise<ProviderChange>;
  /** Starts upgrading one node pool's kubelets, or returns the change this key already started. */
  upgradeNodePool(ref: ClusterRef, pool: string, req: UpgradeRequest): Promise<ProviderChange>;
  /** Where a change started by upgradeControlPlane / upgradeNodePool is. */
  describeChange(ref: ClusterRef, changeId: string): Promise<ProviderChange>;
}

export type { ClusterCredentials };
