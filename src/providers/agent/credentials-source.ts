import { readFile } from 'node:fs/promises';
import { kube } from '../../kube/library.js';
import { PermanentError, messageOf } from '../../errors.js';
import type { ClusterCredentials } from '../types.js';
import { externalCredentials } from '../external/index.js';

/** Where an agent's own cluster credentials come from: a kubeconfig file, or the pod's ServiceAccount. */
export type AgentCredentialsSource = { kind: 'kubeconfig'; file: string; context?: string } | { kind: 'in-cluster' };

/** The ServiceAccount files every pod gets (the token is rotated: read on each call). */
const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/**
 * Credentials of the agent's cluster, read on every call (a rotated file or projected token is
 * picked up without a restart). A kubeconfig is held to the same rules as an external account's.
 */
export async function agentCredentials(source: AgentCredentialsSource, cluster: string, env: NodeJS.ProcessEnv = process.env): Promise<ClusterCredentials> {
  if (source.kind === 'kubeconfig') {
    let context = source.context;
    if (!context) {
      const kc = new (kube().KubeConfig)();
      try {
        kc.loadFromString(await readFile(source.file, 'utf8'));
      } catch (e) {
        throw new PermanentError(`cluster ${cluster}: the agent's kubeconfig ${source.file}: ${messageOf(e)}`, 'InvalidKubeconfig');
      }
      context = kc.getCurrentContext();
    }
    return externalCredentials({ name: 'agent', provider: 'external', kubeconfig: { file: source.file }, ...(context ? { context } : {}) }, cluster);
  }
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT ?? '443';
  if (!host) throw new PermanentError(`cluster ${cluster}: the agent runs in-cluster, but KUBERNETES_SERVICE_HOST is not set (not in a pod? give --kubeconfig)`, 'CredentialsMissing');
  try {
    const [token, caPem] = await Promise.all([readFile(`${SA_DIR}/token`, 'utf8'), readFile(`${SA_DIR}/ca.crt`, 'utf8')]);
    return { endpoint: `https://${host.includes(':') ? `[${host}]` : host}:${port}`, caPem, auth: { kind: 'bearerToken', token: token.trim() } };
  } catch (e) {
    throw new PermanentError(`cluster ${cluster}: the agent's ServiceAccount token or CA in ${SA_DIR}: ${messageOf(e)}`, 'CredentialsMissing');
  }
}
