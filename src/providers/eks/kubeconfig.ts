import type { Cluster } from '@aws-sdk/client-eks';
import { PermanentError } from '../../errors.js';
import { renderExecKubeconfig } from '../../kube/kubeconfig.js';

/** Whose identity the person's `aws` CLI uses: the account's profile and role to assume, when it names them. */
export interface EksKubeconfigOptions {
  region: string;
  profile?: string;
  roleArn?: string;
}

/**
 * What `aws eks update-kubeconfig` writes: the endpoint and CA from DescribeCluster and, as the
 * user, `aws eks get-token`, so kubectl authenticates as whoever runs it (their IAM identity, or
 * the account's role when they may assume it). It holds no secret.
 */
export function eksKubeconfig(cluster: Pick<Cluster, 'name' | 'arn' | 'endpoint' | 'certificateAuthority' | 'status'>, opts: EksKubeconfigOptions): string {
  const name = cluster.name ?? '';
  if (!cluster.endpoint || !cluster.certificateAuthority?.data) {
    throw new PermanentError(`cluster ${name}: EKS has no endpoint or CA for it yet (status ${cluster.status ?? 'unknown'}); ask again once it is ACTIVE`, 'ClusterNotRunning');
  }
  const args = ['eks', 'get-token', '--cluster-name', name, '--region', opts.region, ...(opts.roleArn ? ['--role-arn', opts.roleArn] : []), '--output', 'json'];
  return renderExecKubeconfig({
    cluster: cluster.arn ?? name,
    endpoint: cluster.endpoint,
    caPem: Buffer.from(cluster.certificateAuthority.data, 'base64').toString('utf8'),
    exec: { command: 'aws', args, ...(opts.profile ? { env: [{ name: 'AWS_PROFILE', value: opts.profile }] } : {}) },
  });
}
