import {
  CreateClusterCommand,
  CreateNodegroupCommand,
  DeleteClusterCommand,
  DeleteNodegroupCommand,
  DescribeClusterCommand,
  DescribeNodegroupCommand,
  DescribeUpdateCommand,
  ListNodegroupsCommand,
  ListUpdatesCommand,
  UpdateClusterVersionCommand,
  UpdateNodegroupVersionCommand,
  type Cluster,
  type EKSClient,
  type Nodegroup,
  type Update,
} from '@aws-sdk/client-eks';
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
import { type AwsCredentials, credentialsFor, DEFAULT_TUNING, eksClient, type EksTuning } from './client.js';
import { eksError, isAwsError } from './errors.js';
import { eksKubeconfig } from './kubeconfig.js';
import { changeId, CREATE_TOKEN_TAG, MANAGED_BY_TAG, minorOf, parseChangeId, toChange, toNodePool, toProviderCluster, updateTarget } from './mapping.js';
import { bearerToken, requestToken } from './tokens.js';

export interface EksProviderOptions {
  /** The configured account; the worker's environment (default chain, AWS_REGION) when absent. */
  account?: EksAccount;
  /** Credentials to use instead of the account's chain (tests, or a caller that resolved them). */
  credentials?: AwsCredentials;
  tuning?: Partial<EksTuning>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** How many recent updates to read when looking for the one a repeated request started. */
const UPDATES_TO_SEARCH = 20;

/**
 * EKS clusters and managed node groups through the AWS SDK. Every mutating call carries a
 * clientRequestToken derived from the caller's idempotency key, so a retried or replayed step
 * never starts a second cluster, node group or update; a create that finds the name taken
 * adopts the cluster when it carries this key's token tag. Bearer tokens for the API server
 * are made in memory per call and never leave the worker.
 */
export class EksProvider implements ClusterProvider {
  readonly name = 'eks' as const;
  private readonly account: Partial<EksAccount>;
  private readonly tuning: EksTuning;
  private readonly clients = new Map<string, EKSClient>();
  private readonly creds = new Map<string, AwsCredentials>();
  private readonly fixedCredentials: AwsCredentials | undefined;

  constructor(opts: EksProviderOptions = {}) {
    this.account = opts.account ?? {};
    this.tuning = { ...DEFAULT_TUNING, ...opts.tuning };
    this.fixedCredentials = opts.credentials;
  }

  /** Starts CreateCluster, or adopts the cluster this key already created. */
  async create(req: CreateClusterRequest): Promise<ProviderCluster> {
    const region = this.regionOf(req);
    const { clusterRoleArn, subnetIds } = this.account;
    if (!clusterRoleArn || !subnetIds?.length) {
      throw new PermanentError(
        `cluster ${req.name}: creating on EKS: account ${this.accountName} has no clusterRoleArn and subnetIds; add them to its entry in the Fleetflow config`,
        'AccountIncomplete',
      );
    }
    const token = requestToken(req.idempotencyKey);
    const version = req.kubernetesVersion ? minorOf(req.kubernetesVersion) : undefined;
    try {
      const out = await this.client(region).send(
        new CreateClusterCommand({
          name: req.name,
          roleArn: clusterRoleArn,
          resourcesVpcConfig: { subnetIds, ...(this.account.securityGroupIds ? { securityGroupIds: this.account.securityGroupIds } : {}) },
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
    const region = this.regionOf(ref);
    const c = await this.describeRaw(ref, region);
    if (!c) return { name: ref.name, status: 'NotFound' };
    const groups = await this.nodegroups(ref.name, region);
    return toProviderCluster(c, groups.map(toNodePool));
  }

  /**
   * Deletes the node groups, waits (bounded by tuning.deleteWaitMs, then a retryable error)
   * until they are gone, since EKS refuses to delete a cluster that has any, then starts
   * DeleteCluster. Returns Deleting, or NotFound once gone.
   */
  async delete(ref: ClusterRef): Promise<ProviderCluster> {
    const region = this.regionOf(ref);
    const c = await this.describeRaw(ref, region);
    if (!c) return { name: ref.name, status: 'NotFound' };
    if (c.status !== 'DELETING') {
      await this.deleteNodegroups(ref.name, region);
      try {
        await this.client(region).send(new DeleteClusterCommand({ name: ref.name }));
      } catch (e) {
        if (!isAwsError(e, 'ResourceNotFoundException')) throw eksError(e, ref.name, 'DeleteCluster');
      }
    }
    const after = await this.describeRaw(ref, region);
    return after ? toProviderCluster(after) : { name: ref.name, status: 'NotFound' };
  }

  /** Endpoint and CA from DescribeCluster, and a bearer token signed here, in memory. */
  async credentials(ref: ClusterRef): Promise<ClusterCredentials> {
    const region = this.regionOf(ref);
    const c = await this.describeRaw(ref, region);
    if (!c) throw new PermanentError(`cluster ${ref.name}: not found on EKS in ${region}`, 'ClusterNotFound');
    if (!c.endpoint || !c.certificateAuthority?.data) {
      throw new TransientError(`cluster ${ref.name}: EKS has no endpoint or CA for it yet (status ${c.status ?? 'unknown'})`, 'ClusterNotReady');
    }
    let token: string;
    try {
      token = await bearerToken({
        clusterName: ref.name,
        region,
        credentials: this.credentialsFor(region),
        ...(this.account.stsEndpoint ? { stsEndpoint: this.account.stsEndpoint } : {}),
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
    const region = this.regionOf(ref);
    const c = await this.describeRaw(ref, region);
    if (!c) throw new PermanentError(`cluster ${ref.name}: not found on EKS in ${region}`, 'ClusterNotFound');
    const { profile, roleArn } = this.account;
    return eksKubeconfig(c, { region, ...(profile ? { profile } : {}), ...(roleArn ? { roleArn } : {}) });
  }

  /** Starts the node groups the cluster lacks (by name), at the control plane's release. */
  async createNodePools(ref: ClusterRef, pools: readonly NodePoolSpec[], idempotencyKey: string): Promise<ProviderNodePool[]> {
    if (pools.length === 0) return [];
    const region = this.regionOf(ref);
    const { nodeRoleArn, subnetIds } = this.account;
    if (!nodeRoleArn || !subnetIds?.length) {
      throw new PermanentError(
        `cluster ${ref.name}: creating node groups on EKS: account ${this.accountName} has no nodeRoleArn and subnetIds; add them to its entry in the Fleetflow config`,
        'AccountIncomplete',
      );
    }
    const c = await this.mustDescribe(ref, region);
    const existing = new Set((await this.nodegroups(ref.name, region)).map((n) => n.nodegroupName));
    for (const pool of pools.filter((p) => !existing.has(p.name))) {
      const token = requestToken(`${idempotencyKey}/${pool.name}`);
      try {
        await this.client(region).send(
          new CreateNodegroupCommand({
            clusterName: ref.name,
            nodegroupName: pool.name,
            nodeRole: nodeRoleArn,
            subnets: subnetIds,
            scalingConfig: { minSize: pool.nodeCount, desiredSize: pool.nodeCount, maxSize: Math.max(1, pool.nodeCount) },
            clientRequestToken: token,
            tags: { [MANAGED_BY_TAG]: 'fleetflow', [CREATE_TOKEN_TAG]: token },
            ...(pool.machineType ? { instanceTypes: [pool.machineType] } : {}),
            ...(c.version ? { version: c.version } : {}),
          }),
        );
      } catch (e) {
        // Made by an earlier attempt whose answer was lost: the pool is there, which is the goal.
        if (!isAwsError(e, 'ResourceInUseException')) throw eksError(e, ref.name, `CreateNodegroup ${pool.name}`);
      }
    }
    const wanted = new Set(pools.map((p) => p.name));
    return (await this.nodegroups(ref.name, region)).filter((n) => wanted.has(n.nodegroupName ?? '')).map(toNodePool);
  }

  /**
   * UpdateClusterVersion to the target minor, or the update this request already started: a
   * control plane that is already updating to (or already at) the target answers with that
   * update from ListUpdates rather than a second one or an error.
   */
  async upgradeControlPlane(ref: ClusterRef, req: UpgradeRequest): Promise<ProviderChange> {
    const region = this.regionOf(ref);
    const target = minorOf(req.version);
    const c = await this.mustDescribe(ref, region);
    if (c.version === target || c.status === 'UPDATING') {
      const found = await this.findVersionUpdate(ref.name, region, target);
      if (found) return toChange(changeId({ kind: 'cluster', updateId: found.id! }), found);
      if (c.version === target) return { id: changeId({ kind: 'current', version: target }), status: 'Succeeded' };
    }
    const step = `UpdateClusterVersion from ${c.version ?? '?'} to ${target}`;
    try {
      const out = await this.client(region).send(new UpdateClusterVersionCommand({ name: ref.name, version: target, clientRequestToken: requestToken(req.idempotencyKey) }));
      return this.changeOf(ref.name, step, { kind: 'cluster' }, out.update);
    } catch (e) {
      if (isAwsError(e, 'ResourceInUseException')) {
        const found = await this.findVersionUpdate(ref.name, region, target);
        if (found) return toChange(changeId({ kind: 'cluster', updateId: found.id! }), found);
      }
      throw eksError(e, ref.name, step);
    }
  }

  /** UpdateNodegroupVersion to the target minor, or the update this request already started. */
  async upgradeNodePool(ref: ClusterRef, pool: string, req: UpgradeRequest): Promise<ProviderChange> {
    const region = this.regionOf(ref);
    const target = minorOf(req.version);
    await this.mustDescribe(ref, region);
    const ng = await this.describeNodegroup(ref.name, pool, region);
    if (!ng) throw new PermanentError(`cluster ${ref.name}: node group ${pool} not found on EKS`, 'NodePoolNotFound');
    if (ng.version === target || ng.status === 'UPDATING') {
      const found = await this.findVersionUpdate(ref.name, region, target, pool);
      if (found) return toChange(changeId({ kind: 'nodegroup', nodegroup: pool, updateId: found.id! }), found);
      if (ng.version === target) return { id: changeId({ kind: 'current', version: target }), status: 'Succeeded' };
    }
    const step = `UpdateNodegroupVersion ${pool} from ${ng.version ?? '?'} to ${target}`;
    try {
      const out = await this.client(region).send(
        new UpdateNodegroupVersionCommand({ clusterName: ref.name, nodegroupName: pool, version: target, clientRequestToken: requestToken(req.idempotencyKey) }),
      );
      return this.changeOf(ref.name, step, { kind: 'nodegroup', nodegroup: pool }, out.update);
    } catch (e) {
      if (isAwsError(e, 'ResourceInUseException')) {
        const found = await this.findVersionUpdate(ref.name, region, target, pool);
        if (found) return toChange(changeId({ kind: 'nodegroup', nodegroup: pool, updateId: found.id! }), found);
      }
      throw eksError(e, ref.name, step);
    }
  }

  /** DescribeUpdate for a change id; Failed and Cancelled updates carry EKS's errors. */
  async describeChange(ref: ClusterRef, id: string): Promise<ProviderChange> {
    const region = this.regionOf(ref);
    const parsed = parseChangeId(id);
    if (!parsed) throw new PermanentError(`cluster ${ref.name}: ${id} is not an EKS change id`, 'ChangeNotFound');
    if (parsed.kind === 'current') {
      const c = await this.mustDescribe(ref, region);
      return c.version === parsed.version ? { id, status: 'Succeeded' } : { id, status: 'Failed', message: `the control plane runs ${c.version ?? 'an unknown release'}, not ${parsed.version}` };
    }
    const nodegroup = parsed.kind === 'nodegroup' ? parsed.nodegroup : undefined;
    try {
      const out = await this.client(region).send(new DescribeUpdateCommand({ name: ref.name, updateId: parsed.updateId, ...(nodegroup ? { nodegroupName: nodegroup } : {}) }));
      return toChange(id, out.update ?? {});
    } catch (e) {
      if (isAwsError(e, 'ResourceNotFoundException')) throw new PermanentError(`cluster ${ref.name}: EKS has no update ${parsed.updateId}`, 'ChangeNotFound', { cause: e });
      throw eksError(e, ref.name, `DescribeUpdate ${parsed.updateId}`);
    }
  }

  private get accountName(): string {
    return this.account.name ?? '(default)';
  }

  private regionOf(ref: { name: string; region?: string }): string {
    const region = ref.region && ref.region !== 'local' ? ref.region : this.account.region;
    if (!region) throw new PermanentError(`cluster ${ref.name}: no AWS region: name one in the spec or the account`, 'InvalidClusterSpec');
    return region;
  }

  private credentialsFor(region: string): AwsCredentials {
    if (this.fixedCredentials) return this.fixedCredentials;
    let c = this.creds.get(region);
    if (!c) this.creds.set(region, (c = credentialsFor(this.account, region)));
    return c;
  }

  private client(region: string): EKSClient {
    let c = this.clients.get(region);
    if (!c) this.clients.set(region, (c = eksClient(region, this.credentialsFor(region), this.tuning, this.account.endpoint)));
    return c;
  }

  /** DescribeCluster; undefined when absent or when the name now belongs to another cluster. */
  private async describeRaw(ref: ClusterRef, region: string): Promise<Cluster | undefined> {
    try {
      const c = (await this.client(region).send(new DescribeClusterCommand({ name: ref.name }))).cluster;
      if (c && ref.providerId && c.arn && c.arn !== ref.providerId) return undefined;
      return c;
    } catch (e) {
      if (isAwsError(e, 'ResourceNotFoundException')) return undefined;
      throw eksError(e, ref.name, 'DescribeCluster');
    }
  }

  private async mustDescribe(ref: ClusterRef, region: string): Promise<Cluster> {
    const c = await this.describeRaw(ref, region);
    if (!c) throw new PermanentError(`cluster ${ref.name}: not found on EKS in ${region}`, 'ClusterNotFound');
    return c;
  }

  /** The cluster a create with this token made; refuses a cluster someone else made. */
  private async adopt(name: string, region: string, token: string): Promise<ProviderCluster> {
    const c = await this.describeRaw({ name, region }, region);
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

  /** Every node group of the cluster, described (ListNodegroups is paginated). */
  private async nodegroups(cluster: string, region: string): Promise<Nodegroup[]> {
    const names: string[] = [];
    let nextToken: string | undefined;
    do {
      try {
        const out = await this.client(region).send(new ListNodegroupsCommand({ clusterName: cluster, ...(nextToken ? { nextToken } : {}) }));
        names.push(...(out.nodegroups ?? []));
        nextToken = out.nextToken;
      } catch (e) {
        if (isAwsError(e, 'ResourceNotFoundException')) return [];
        throw eksError(e, cluster, 'ListNodegroups');
      }
    } while (nextToken);
    const described = await Promise.all(names.sort().map((n) => this.describeNodegroup(cluster, n, region)));
    return described.filter((n): n is Nodegroup => !!n);
  }

  private async describeNodegroup(cluster: string, nodegroup: string, region: string): Promise<Nodegroup | undefined> {
    try {
      return (await this.client(region).send(new DescribeNodegroupCommand({ clusterName: cluster, nodegroupName: nodegroup }))).nodegroup;
    } catch (e) {
      if (isAwsError(e, 'ResourceNotFoundException')) return undefined;
      throw eksError(e, cluster, `DescribeNodegroup ${nodegroup}`);
    }
  }

  /** Starts deleting every node group and waits until none is left (bounded, then retryable). */
  private async deleteNodegroups(cluster: string, region: string): Promise<void> {
    const deadline = Date.now() + this.tuning.deleteWaitMs;
    for (;;) {
      const groups = await this.nodegroups(cluster, region);
      if (groups.length === 0) return;
      for (const g of groups.filter((n) => n.status !== 'DELETING')) {
        try {
          await this.client(region).send(new DeleteNodegroupCommand({ clusterName: cluster, nodegroupName: g.nodegroupName! }));
        } catch (e) {
          // Gone already, or busy (still creating or updating): look again on the next round.
          if (!isAwsError(e, 'ResourceNotFoundException', 'ResourceInUseException')) throw eksError(e, cluster, `DeleteNodegroup ${g.nodegroupName}`);
        }
      }
      if (Date.now() > deadline) {
        const left = groups.map((g) => `${g.nodegroupName} ${g.status}`).join(', ');
        throw new TransientError(`cluster ${cluster}: node groups still there after ${Math.round(this.tuning.deleteWaitMs / 1000)} s: ${left}`, 'NodePoolsDeleting');
      }
      await sleep(this.tuning.deletePollMs);
    }
  }

  /**
   * The version update to `target` that an earlier request started: in progress first, else
   * the newest successful one. Reads at most UPDATES_TO_SEARCH updates.
   */
  private async findVersionUpdate(cluster: string, region: string, target: string, nodegroup?: string): Promise<Update | undefined> {
    let ids: string[];
    try {
      const out = await this.client(region).send(new ListUpdatesCommand({ name: cluster, ...(nodegroup ? { nodegroupName: nodegroup } : {}), maxResults: 100 }));
      ids = (out.updateIds ?? []).slice(-UPDATES_TO_SEARCH);
    } catch (e) {
      throw eksError(e, cluster, `ListUpdates${nodegroup ? ` of ${nodegroup}` : ''}`);
    }
    const updates: Update[] = [];
    for (const updateId of ids) {
      try {
        const u = (await this.client(region).send(new DescribeUpdateCommand({ name: cluster, updateId, ...(nodegroup ? { nodegroupName: nodegroup } : {}) }))).update;
        if (u?.id && updateTarget(u) === target) updates.push(u);
      } catch (e) {
        if (!isAwsError(e, 'ResourceNotFoundException')) throw eksError(e, cluster, `DescribeUpdate ${updateId}`);
      }
    }
    const newest = (list: Update[]) => list.sort((a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0))[0];
    return newest(updates.filter((u) => u.status === 'InProgress')) ?? newest(updates.filter((u) => u.status === 'Successful'));
  }

  private changeOf(cluster: string, step: string, kind: { kind: 'cluster' } | { kind: 'nodegroup'; nodegroup: string }, u: Update | undefined): ProviderChange {
    if (!u?.id) throw new TransientError(`cluster ${cluster}: ${step}: EKS answered without an update id`, 'ProviderUnavailable');
    return toChange(changeId({ ...kind, updateId: u.id }), u);
  }
}
