import type { ProviderName } from '../domain/cluster-spec.js';

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
}

export interface ClusterRef {
  name: string;
  region: string;
  providerId?: string;
}

/**
 * Material to reach a cluster's API server. Built inside an activity from the worker's own
 * environment and never returned to a workflow.
 */
export interface ClusterCredentials {
  endpoint: string;
  /** PEM of the CA that signed the API server's serving certificate. */
  caPem: string;
  auth: { kind: 'clientCertificate'; certPem: string; keyPem: string } | { kind: 'bearerToken'; token: string };
}

/** The seam between workflows and clouds; every method is safe to call twice. */
export interface ClusterProvider {
  readonly name: ProviderName;
  /** Starts creating the cluster, or returns the one this key already created. */
  create(req: CreateClusterRequest): Promise<ProviderCluster>;
  /** Current state; status `NotFound` when it does not exist. */
  describe(ref: ClusterRef): Promise<ProviderCluster>;
  /** Starts deleting; status `NotFound` once it is gone. Deleting a missing cluster is fine. */
  delete(ref: ClusterRef): Promise<ProviderCluster>;
  credentials(ref: ClusterRef): Promise<ClusterCredentials>;
}
