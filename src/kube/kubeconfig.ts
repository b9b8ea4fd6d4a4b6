import { stringify } from 'yaml';
import type { ClusterCredentials } from './credentials.js';

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

/**
 * A kubeconfig file (YAML) for kubectl and other tools, with the certificates inlined so the
 * file works wherever it is copied. It holds secrets: write it with mode 0600.
 */
export function renderKubeconfig(creds: ClusterCredentials, opts: { cluster: string; user: string }): string {
  const user =
    creds.auth.kind === 'clientCertificate'
      ? { 'client-certificate-data': b64(creds.auth.certPem), 'client-key-data': b64(creds.auth.keyPem) }
      : { token: creds.auth.token };
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: opts.cluster, cluster: { server: creds.endpoint, 'certificate-authority-data': b64(creds.caPem) } }],
    users: [{ name: opts.user, user }],
    contexts: [{ name: opts.cluster, context: { cluster: opts.cluster, user: opts.user } }],
    'current-context': opts.cluster,
    preferences: {},
  });
}
