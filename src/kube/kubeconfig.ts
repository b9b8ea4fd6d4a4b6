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

/** A kubeconfig exec plugin: kubectl runs `command args...` for a token each time it needs one. */
export interface ExecCredentialPlugin {
  command: string;
  args?: string[];
  env?: { name: string; value: string }[];
  /** Printed by kubectl when the command is missing. */
  installHint?: string;
  provideClusterInfo?: boolean;
}

/**
 * A kubeconfig whose user is an exec plugin (`aws eks get-token`, `gke-gcloud-auth-plugin`): it
 * holds the endpoint and the CA only, no secret, and authenticates as whoever runs kubectl.
 */
export function renderExecKubeconfig(opts: { cluster: string; endpoint: string; caPem: string; exec: ExecCredentialPlugin }): string {
  const { command, args, env, installHint, provideClusterInfo } = opts.exec;
  const exec = {
    apiVersion: 'client.authentication.k8s.io/v1beta1',
    command,
    ...(args?.length ? { args } : {}),
    ...(env?.length ? { env } : {}),
    ...(installHint ? { installHint } : {}),
    ...(provideClusterInfo ? { provideClusterInfo } : {}),
    interactiveMode: 'IfAvailable',
  };
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: opts.cluster, cluster: { server: opts.endpoint, 'certificate-authority-data': b64(opts.caPem) } }],
    users: [{ name: opts.cluster, user: { exec } }],
    contexts: [{ name: opts.cluster, context: { cluster: opts.cluster, user: opts.cluster } }],
    'current-context': opts.cluster,
    preferences: {},
  });
}
