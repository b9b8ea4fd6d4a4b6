import type { KubeConfig, KubernetesObjectApi } from '@kubernetes/client-node';
import { kube } from './library.js';
import type { ClusterCredentials } from './credentials.js';

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

/**
 * A KubeConfig holding exactly one cluster, user and context built from credentials, so
 * nothing is read from ~/.kube or the environment (a worker must reach only what it was given).
 *
 * @example const kc = kubeConfigFor(await provider.credentials(ref), 'dev-1');
 */
export function kubeConfigFor(creds: ClusterCredentials, name = 'cluster'): KubeConfig {
  const user =
    creds.auth.kind === 'clientCertificate'
      ? { name, certData: b64(creds.auth.certPem), keyData: b64(creds.auth.keyPem) }
      : { name, token: creds.auth.token };
  const kc = new (kube().KubeConfig)();
  kc.loadFromOptions({
    clusters: [{ name, server: creds.endpoint, caData: b64(creds.caPem), skipTLSVerify: false }],
    users: [user],
    contexts: [{ name, cluster: name, user: name }],
    currentContext: name,
  });
  return kc;
}

/**
 * A generic client for any kind. Each instance caches API discovery, so reuse one per batch
 * of calls (a bundle) rather than per object.
 */
export function objectApi(creds: ClusterCredentials): KubernetesObjectApi {
  return kube().KubernetesObjectApi.makeApiClient(kubeConfigFor(creds));
}
