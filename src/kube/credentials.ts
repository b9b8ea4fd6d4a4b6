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
