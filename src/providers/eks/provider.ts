import { CreateClusterCommand, DeleteClusterCommand } from '@aws-sdk/client-eks';
import type { EksAccount } from '../../domain/cluster/accounts.js';
import type { NodePoolSpec } from '../../domain/cluster/spec.js';
import { PermanentError, TransientError } from '../../errors.js';
import type {
  ClusterCredentials,
  ClusterProvider,
  ClusterRef,
  CreateClusterRequest,
  ProviderChange,
  ProviderCluster,
  ProviderNodePool,
  UpgradeRequest,
} from '../types.js';
import type { AwsCredentials, EksTuning } from './client.js';
import { eksError, isAwsError } from './errors.js';
import { CREATE_TOKEN_TAG, MANAGED_BY_TAG, minorOf, toNodePool, toProviderCluster } from './mapping.js';
import { createNodegroups, deleteNodegroups, listNodegroups } from './node-groups.js';
import { EksSession } from './session.js';
import { eksKubeconfig } from './kubeconfig.js';
import { bearerToken, requestToken } from './tokens.js';
import { describeUpdate, upgradeControlPlane, upgradeNodegroup } from './updates.js';

export interface EksProviderOptions {
  /** The configured account; the worker's environment (default chain, AWS_REGION) when absent. */
  account?: EksAccount;
  /** Credentials to use instead of the account's chain (tests, or a caller that resolved them). */
  credentials?: AwsCredentials;
  tuning?: Partial<EksTuning>;
}

/**
 * EKS clusters and managed node groups through the AWS SDK. Every mutating call carries a
 * clientRequestToken derived from the caller's idempotency key, so a retried or replayed step
 * never starts a second cluster, node group or update; a create that finds the name taken
 * adopts the cluster when it carries this key's token tag. Bearer tokens for the API server
 * are made in memory per call and never leave the worker. Node groups are in node-groups.ts,
 * version updates in updates.ts.
 */
export class EksProvider implements ClusterProvider {
  readonly name = 'eks' as const;
  private readonly s: EksSession;

  constructor(opts: EksProviderOptions = {}) {
    this.s = new EksSession(opts.account, opts.tuning, opts.credentials);
  }

  /** Starts CreateCluster, or adopts the cluster this key already created. */
  async create(req: CreateClusterRequest): Promise<ProviderCluster> {
    const region = this.s.regionOf(req);
    const { clusterRoleArn, subnetIds, securityGroupIds } = this.s.account;
    if (!clusterRoleArn || !subnetIds?.length) {
      throw new PermanentError(
        `cluster ${req.name}: creating on EKS: account ${this.s.accountName} has no clusterRoleArn and subnetIds; add them to its entry in the Fleetflow config`,
        'AccountIncomplete',
      );
    }
    const token = requestToken(req.idempotencyKey);
    const version = req.kubernetesVersion ? minorOf(req.kubernetesVersion) : undefined;
    try {
      const out = await this.s.client(region).send(
        new CreateClusterCommand({
          name: req.name,
          roleArn: clusterRoleArn,
          resourcesVpcConfig: { subnetIds, ...(securityGroupIds ? { securityGroupIds } : {}) },
          clientRequestToken: token,
          tags: { ...req.labels, [MANAGED_BY_TAG]: 'fleetflow', [CREATE_TOKEN_TAG]: token },
          ...(version ? { version } : {}),
        }),
      );
      return toProviderCluster(out.cluster ?? { name: req.name, status: 'CREATING' });
    } catch (e) {
      if (!isAwsError(e, 'ResourceInUseException')) throw eksError(e, req.name, `CreateCluster${version ? ` ${version}` : ''} in ${region}`);
    }
    return this.adopt(req.name, region, token);
  }

  /** Current state with node groups; NotFound when absent or when another cluster took the name. */
  async describe(ref: ClusterRef): Promise<ProviderCluster> {
    const region = this.s.regionOf(ref);
    const c = await this.s.describeCluster(ref, region);
    if (!c) return { name: ref.name, status: 'NotFound' };
    const groups = await listNodegroups(this.s, ref.name, region);
    return toProviderCluster(c, groups.map(toNodePool));
  }

  /**
   * Deletes the node groups, waits (bounded by tuning.deleteWaitMs, then a retryable error)
   * until they are gone, since EKS refuses to delete a cluster that has any, then starts
   * DeleteCluster. Returns Deleting, or NotFound once gone.
   */
  async delete(ref: ClusterRef): Promise<ProviderCluster> {
    const region = this.s.regionOf(ref);
    const c = await this.s.describeCluster(ref, region);
    if (!c) return { name: ref.name, status: 'NotFound' };
    if (c.status !== 'DELETING') {
      await deleteNodegroups(this.s, ref.name, region);
      try {
        await this.s.client(region).send(new DeleteClusterCommand({ name: ref.name }));
      } catch (e) {
        if (!isAwsError(e, 'ResourceNotFoundException')) throw eksError(e, ref.name, 'DeleteCluster');
      }
    }
    const after = await this.s.describeCluster(ref, region);
    return after ? toProviderCluster(after) : { name: ref.name, status: 'NotFound' };
  }

  /** Endpoint and CA from DescribeCluster, and a bearer token signed here, in memory. */
  async credentials(ref: ClusterRef): Promise<ClusterCredentials> {
    const region = this.s.regionOf(ref);
    const c = await this.s.mustDescribe(ref, region);
    if (!c.endpoint || !c.certificateAuthority?.data) {
      throw new TransientError(`cluster ${ref.name}: EKS has no endpoint or CA for it yet (status ${c.status ?? 'unknown'})`, 'ClusterStarting');
    }
    let token: string;
    try {
      token = await bearerToken({
        clusterName: ref.name,
        region,
        credentials: this.s.credentialsFor(region),
        ...(this.s.account.stsEndpoint ? { stsEndpoint: this.s.account.stsEndpoint } : {}),
      });
    } catch (e) {
      throw eksError(e, ref.name, 'signing the STS token for the API server');
    }
    return {
      endpoint: c.endpoint,
      caPem: Buffer.from(c.certificateAuthority.data, 'base64').toString('utf8'),
      auth: { kind: 'bearerToken', token },
    };
  }

  /** For people: endpoint and CA from DescribeCluster, `aws eks get-token` as the user (kubeconfig.ts). */
  async kubeconfig(ref: ClusterRef): Promise<string> {
    const region = this.s.regionOf(ref);
    const c = await this.s.describeCluster(ref, region);
    if (!c) throw new PermanentError(`cluster ${ref.name}: not found on EKS in ${region}`, 'ClusterNotFound');
    const { profile, roleArn } = this.s.account;
    return eksKubeconfig(c, { region, ...(profile ? { profile } : {}), ...(roleArn ? { roleArn } : {}) });
  }

  /** Starts the node groups the cluster lacks (by name), at the control plane's release. */
  createNodePools(ref: ClusterRef, pools: readonly NodePoolSpec[], idempotencyKey: string): Promise<ProviderNodePool[]> {
    return createNodegroups(this.s, ref, pools, idempotencyKey);
  }

  /** UpdateClusterVersion to the target minor, or the update this request already started. */
  upgradeControlPlane(ref: ClusterRef, req: UpgradeRequest): Promise<ProviderChange> {
    return upgradeControlPlane(this.s, ref, req);
  }

  /** UpdateNodegroupVersion to the target minor, or the update this request already started. */
  upgradeNodePool(ref: ClusterRef, pool: string, req: UpgradeRequest): Promise<ProviderChange> {
    return upgradeNodegroup(this.s, ref, pool, req);
  }

  /** DescribeUpdate for a change id; Failed and Cancelled updates carry EKS's errors. */
  describeChange(ref: ClusterRef, id: string): Promise<ProviderChange> {
    return describeUpdate(this.s, ref, id);
  }

  /** The cluster a create with this token made; refuses a cluster someone else made. */
  private async adopt(name: string, region: string, token: string): Promise<ProviderCluster> {
    const c = await this.s.describeCluster({ name, region }, region);
    if (!c) throw new TransientError(`cluster ${name}: CreateCluster said the name is in use, but it is gone now`, 'ResourceInUse');
    if (c.tags?.[CREATE_TOKEN_TAG] !== token && c.clientRequestToken !== token) {
      throw new PermanentError(
        `cluster ${name}: a cluster of that name already exists in ${region} (${c.arn ?? 'unknown ARN'}) and was not created by this operation`,
        'ClusterNameTaken',
      );
    }
    if (c.status === 'DELETING') throw new TransientError(`cluster ${name}: the cluster this operation created is being deleted; retry once it is gone`, 'ClusterDeleting');
    return toProviderCluster(c);
  }
}
