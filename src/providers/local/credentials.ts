import { readFile } from 'node:fs/promises';
import type { ClusterCredentials } from '../types.js';
import { certFiles, type ClusterPaths } from './paths.js';
import type { LocalClusterState } from './state.js';

/** The API server's URL: always loopback, on the cluster's recorded secure port. */
export const endpointOf = (state: LocalClusterState) => `https://127.0.0.1:${state.ports.apiserver}`;

/** Admin credentials from the cluster's folder (serving CA, admin client cert and key). */
export async function readCredentials(paths: ClusterPaths, state: LocalClusterState): Promise<ClusterCredentials> {
  const f = certFiles(paths.certs);
  const [caPem, certPem, keyPem] = await Promise.all([f.caCert, f.adminCert, f.adminKey].map((p) => readFile(p, 'utf8')));
  return { endpoint: endpointOf(state), caPem: caPem!, auth: { kind: 'clientCertificate', certPem: certPem!, keyPem: keyPem! } };
}
