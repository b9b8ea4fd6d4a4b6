import { readFile } from 'node:fs/promises';
import { kube } from '../../kube/library.js';
import type { ExternalAccount } from '../../domain/cluster/accounts.js';
import { PermanentError, messageOf } from '../../errors.js';
import type { ClusterCredentials } from '../types.js';

/**
 * Reads the kubeconfig an external account points to: a file on the worker, or an environment
 * variable holding the kubeconfig itself (how CI systems and secret stores usually hand one
 * over). Read on every call, so a rotated file is picked up without restarting the worker.
 */
async function readKubeconfigText(account: ExternalAccount, cluster: string): Promise<string> {
  const source = account.kubeconfig;
  if ('file' in source) {
    try {
      return await readFile(source.file, 'utf8');
    } catch (e) {
      throw new PermanentError(`cluster ${cluster}: kubeconfig file ${source.file} of account ${account.name}: ${messageOf(e)}`, 'CredentialsMissing');
    }
  }
  const text = process.env[source.env];
  if (!text) throw new PermanentError(`cluster ${cluster}: environment variable ${source.env} of account ${account.name} is not set`, 'CredentialsMissing');
  return text;
}

const fromB64 = (data: string) => Buffer.from(data, 'base64').toString('utf8');

async function dataOrFile(data: string | undefined, file: string | undefined): Promise<string | undefined> {
  if (data) return fromB64(data);
  return file ? readFile(file, 'utf8') : undefined;
}

/**
 * Credentials for `cluster` from the account's kubeconfig, using the account's context or the
 * context named like the cluster. Only what Fleetflow can keep in memory is accepted: a CA,
 * and a client certificate or a token; exec plugins, auth providers and skipped TLS checks
 * are refused with a message saying so, rather than half-working.
 */
export async function externalCredentials(account: ExternalAccount, cluster: string): Promise<ClusterCredentials> {
  const what = `cluster ${cluster}: kubeconfig of account ${account.name}`;
  const kc = new (kube().KubeConfig)();
  try {
    kc.loadFromString(await readKubeconfigText(account, cluster));
  } catch (e) {
    if (e instanceof PermanentError) throw e;
    throw new PermanentError(`${what}: not a valid kubeconfig: ${messageOf(e)}`, 'InvalidKubeconfig');
  }
  const contextName = account.context ?? cluster;
  const context = kc.getContextObject(contextName);
  if (!context) {
    const known = kc.getContexts().map((c) => c.name).join(', ') || 'none';
    throw new PermanentError(`${what}: no context "${contextName}" (has: ${known})`, 'InvalidKubeconfig');
  }
  const target = kc.getCluster(context.cluster);
  const user = kc.getUser(context.user);
  if (!target || !user) throw new PermanentError(`${what}: context "${contextName}" names a missing cluster or user`, 'InvalidKubeconfig');
  if (target.skipTLSVerify) throw new PermanentError(`${what}: insecure-skip-tls-verify is not accepted; give the cluster's CA`, 'InvalidKubeconfig');
  const caPem = await dataOrFile(target.caData, target.caFile);
  if (!caPem) throw new PermanentError(`${what}: the cluster entry has no certificate-authority(-data)`, 'InvalidKubeconfig');
  if (user.exec || user.authProvider) {
    throw new PermanentError(`${what}: user "${user.name}" uses an exec plugin or auth provider; give a client certificate or a token`, 'InvalidKubeconfig');
  }
  const [certPem, keyPem] = await Promise.all([dataOrFile(user.certData, user.certFile), dataOrFile(user.keyData, user.keyFile)]);
  if (certPem && keyPem) return { endpoint: target.server, caPem, auth: { kind: 'clientCertificate', certPem, keyPem } };
  if (user.token) return { endpoint: target.server, caPem, auth: { kind: 'bearerToken', token: user.token } };
  throw new PermanentError(`${what}: user "${user.name}" has neither a client certificate and key nor a token`, 'InvalidKubeconfig');
}
