import type { protos } from '@google-cloud/container';
import type { GkeAccount } from '../../domain/cluster/accounts.js';
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
import { connect, type GkeConnection, type GkeProviderOptions } from './connection.js';
import { createClusterBody, nodePoolBody } from './create-request.js';
import { type GkeCallContext, gkeError, isAlreadyExists, isNotFound, isOperationInProgress, tokenError } from './errors.js';
import { gkePaths, isRelease, KEY_LABEL, keyLabelValue, toProviderChange, toProviderCluster, toProviderNodePool } from './mapping.js';
import { gkeKubeconfig } from './kubeconfig.js';
import { startChange, UNCHANGED, whenFree } from './operations.js';

export type { AccessTokenSource, GkeProviderOptions } from './connection.js';

type Cluster = protos.google.container.v1.ICluster;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * GKE clusters through the ClusterManager v1 API (gRPC, @google-cloud/container).
 *
 * Idempotency is check-by-name: a create that finds the name taken adopts the cluster when
 * its `fleetflow-key` resource label is the hash of the same idempotency key, and refuses
 * otherwise. Upgrades adopt the operation already running on the same target, and report
 * Succeeded when the release already runs. Every call has a bounded deadline and no
 * client-side retry: errors are classified (errors.ts) and Temporal retries the activity.
 * Access tokens are fetched per credentials() call and only ever returned to the activity.
 */
export class GkeProvider implements ClusterProvider {
  readonly name = 'gke' as const;
  private readonly gke: GkeConnection;

  constructor(opts: GkeProviderOptions) {
    this.gke = connect(opts);
  }

  /** Google Cloud project id that owns the clusters. */
  get project(): string {
    return this.gke.project;
  }

  /**
   * The provider for a configured account; without one, the project comes from the
   * environment (GOOGLE_CLOUD_PROJECT or GCLOUD_PROJECT) and credentials from ADC.
   */
  static fromAccount(account: GkeAccount | undefined, overrides: Partial<GkeProviderOptions> = {}): GkeProvider {
    const project = account?.project ?? process.env.GOOGLE_CLOUD_PROJECT ?? process.env.GCLOUD_PROJECT;
    if (!project) {
      throw new PermanentError('provider gke: no account in the worker config and no GOOGLE_CLOUD_PROJECT in its environment', 'ProviderNotConfigured');
    }
    return new GkeProvider({
      project,
      ...(account?.endpoint ? { endpoint: account.endpoint } : {}),
      ...(account?.credentialsFile ? { credentialsFile: account.credentialsFile } : {}),
      ...overrides,
    });
  }

  /** Closes the gRPC channel (tests; a worker keeps its providers for its lifetime). */
  async close(): Promise<void> {
    await this.gke.client.close();
  }

  /** Starts creating the cluster, or adopts the one this idempotency key already created. */
  async create(req: CreateClusterRequest): Promise<ProviderCluster> {
    const ctx = { cluster: req.name, step: 'creating the cluster' };
    const ref = { name: req.name, region: req.region };
    try {
      await this.gke.client.createCluster({ parent: gkePaths.location(this.project, req.region), cluster: createClusterBody(req) }, this.gke.callOptions);
      return { name: req.name, providerId: this.clusterPath(ref), status: 'Creating' };
    } catch (e) {
      if (!isAlreadyExists(e)) throw gkeError(e, ctx);
    }
    // The name is taken: ours (a retried or repeated create) when it carries our key's label.
    const existing = await this.getCluster(ref, ctx);
    if (!existing) throw new TransientError(`cluster ${req.name}: ${ctx.step}: the name was taken but the cluster is gone; retrying`, 'Conflict');
    if (existing.resourceLabels?.[KEY_LABEL] !== keyLabelValue(req.idempotencyKey)) {
      throw new PermanentError(
        `cluster ${req.name}: ${ctx.step}: a cluster of that name already exists in ${gkePaths.location(this.project, req.region)} and was not created by this request (its ${KEY_LABEL} label differs)`,
        'ClusterAlreadyExists',
      );
    }
    return toProviderCluster(existing, this.clusterPath(ref));
  }

  /** Current state from GetCluster; NotFound when GKE has no cluster of that name. */
  async describe(ref: ClusterRef): Promise<ProviderCluster> {
    const cluster = await this.getCluster(ref, { cluster: ref.name, step: 'describing the cluster' });
    return cluster ? toProviderCluster(cluster, this.clusterPath(ref)) : { name: ref.name, status: 'NotFound' };
  }

  /**
   * Starts DeleteCluster (node pools go with it); a missing or already-deleting cluster is
   * fine. While another operation runs (GKE refuses then), waits up to busyWaitMs for it.
   */
  async delete(ref: ClusterRef): Promise<ProviderCluster> {
    const ctx = { cluster: ref.name, step: 'deleting the cluster' };
    const deadline = Date.now() + this.gke.busyWaitMs;
    for (;;) {
      try {
        await this.gke.client.deleteCluster({ name: this.clusterPath(ref) }, this.gke.callOptions);
        return { name: ref.name, providerId: this.clusterPath(ref), status: 'Deleting' };
      } catch (e) {
        if (isNotFound(e)) return { name: ref.name, status: 'NotFound' };
        if (!isOperationInProgress(e)) throw gkeError(e, ctx);
        // Refused while an operation runs, which may be our own earlier delete.
        const now = await this.describe(ref);
        if (now.status === 'Deleting' || now.status === 'NotFound') return now;
        if (Date.now() + this.gke.busyPollMs > deadline) throw gkeError(e, ctx);
        await sleep(this.gke.busyPollMs);
      }
    }
  }

  /** For people: endpoint and CA from GetCluster, `gke-gcloud-auth-plugin` as the user (kubeconfig.ts). */
  async kubeconfig(ref: ClusterRef): Promise<string> {
    const cluster = await this.requireCluster(ref, { cluster: ref.name, step: 'building a kubeconfig' });
    return gkeKubeconfig(cluster, { project: this.project, location: ref.region });
  }

  /** https endpoint and CA from the cluster, a fresh access token; built in the worker only. */
  async credentials(ref: ClusterRef): Promise<ClusterCredentials> {
    const ctx = { cluster: ref.name, step: 'getting credentials' };
    const cluster = await this.requireCluster(ref, ctx);
    const ca = cluster.masterAuth?.clusterCaCertificate;
    if (!cluster.endpoint || !ca) throw new TransientError(`cluster ${ref.name}: ${ctx.step}: the cluster has no endpoint or CA yet`, 'ClusterStarting');
    let token: string;
    try {
      token = await this.gke.tokenSource();
    } catch (e) {
      throw tokenError(e, ctx);
    }
    return { endpoint: `https://${cluster.endpoint}`, caPem: Buffer.from(ca, 'base64').toString('utf8'), auth: { kind: 'bearerToken', token } };
  }

  /**
   * Starts CreateNodePool for each pool the cluster lacks, one at a time (GKE refuses a
   * second operation while one runs: each waits up to busyWaitMs, then the activity retries).
   */
  async createNodePools(ref: ClusterRef, pools: readonly NodePoolSpec[], idempotencyKey: string): Promise<ProviderNodePool[]> {
    const ctx = { cluster: ref.name, step: 'creating node pools' };
    if (pools.length === 0) return [];
    const cluster = await this.requireCluster(ref, ctx);
    const existing = new Map((cluster.nodePools ?? []).map((p) => [p.name ?? '', p]));
    const result: ProviderNodePool[] = [];
    for (const pool of pools) {
      const found = existing.get(pool.name);
      if (found) {
        result.push(toProviderNodePool(found));
        continue;
      }
      const nodePool = nodePoolBody(pool, idempotencyKey);
      await whenFree(this.gke, { ...ctx, step: `creating node pool ${pool.name}` }, () =>
        this.gke.client.createNodePool({ parent: this.clusterPath(ref), nodePool }, this.gke.callOptions).then(
          () => undefined,
          (e: unknown) => {
            if (isAlreadyExists(e)) return undefined; // a retry of our own create
            throw e;
          },
        ),
      );
      result.push({ name: pool.name, status: 'Creating' });
    }
    return result;
  }

  /** UpdateMaster to the release; adopts a control-plane upgrade already running. */
  async upgradeControlPlane(ref: ClusterRef, req: UpgradeRequest): Promise<ProviderChange> {
    const ctx = { cluster: ref.name, step: `upgrading the control plane to ${req.version}` };
    const cluster = await this.requireCluster(ref, ctx);
    return startChange(this.gke, ref, ctx, {
      type: 'UPGRADE_MASTER',
      target: `/clusters/${ref.name}`,
      alreadyAt: isRelease(cluster.currentMasterVersion, req.version),
      start: () => this.gke.client.updateMaster({ name: this.clusterPath(ref), masterVersion: req.version }, this.gke.callOptions),
    });
  }

  /** UpdateNodePool with the release as nodeVersion; adopts an upgrade of that pool already running. */
  async upgradeNodePool(ref: ClusterRef, pool: string, req: UpgradeRequest): Promise<ProviderChange> {
    const ctx = { cluster: ref.name, step: `upgrading node pool ${pool} to ${req.version}` };
    const cluster = await this.requireCluster(ref, ctx);
    const current = cluster.nodePools?.find((p) => p.name === pool);
    if (!current) throw new PermanentError(`cluster ${ref.name}: ${ctx.step}: the cluster has no node pool ${pool}`, 'NodePoolNotFound');
    const name = gkePaths.nodePool(this.project, ref.region, ref.name, pool);
    return startChange(this.gke, ref, ctx, {
      type: 'UPGRADE_NODES',
      target: `/clusters/${ref.name}/nodePools/${pool}`,
      alreadyAt: isRelease(current.version, req.version),
      // image_type is required: keep the pool's own.
      start: () => this.gke.client.updateNodePool({ name, nodeVersion: req.version, imageType: current.config?.imageType || 'COS_CONTAINERD' }, this.gke.callOptions),
    });
  }

  /** GetOperation: DONE with an error is Failed with GKE's message. */
  async describeChange(ref: ClusterRef, changeId: string): Promise<ProviderChange> {
    if (changeId.startsWith(UNCHANGED)) return { id: changeId, status: 'Succeeded', message: 'the release already ran' };
    const ctx = { cluster: ref.name, step: `describing change ${changeId}` };
    try {
      const [op] = await this.gke.client.getOperation({ name: changeId }, this.gke.callOptions);
      return toProviderChange(op, changeId);
    } catch (e) {
      if (isNotFound(e)) throw new PermanentError(`cluster ${ref.name}: ${ctx.step}: GKE has no such operation`, 'ChangeNotFound', { cause: e });
      throw gkeError(e, ctx);
    }
  }

  private clusterPath(ref: { name: string; region: string }): string {
    return gkePaths.cluster(this.project, ref.region, ref.name);
  }

  /** GetCluster; undefined when GKE says NOT_FOUND. */
  private async getCluster(ref: ClusterRef, ctx: GkeCallContext): Promise<Cluster | undefined> {
    try {
      const [cluster] = await this.gke.client.getCluster({ name: this.clusterPath(ref) }, this.gke.callOptions);
      return cluster;
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw gkeError(e, ctx);
    }
  }

  private async requireCluster(ref: ClusterRef, ctx: GkeCallContext): Promise<Cluster> {
    const cluster = await this.getCluster(ref, ctx);
    if (!cluster) throw new PermanentError(`cluster ${ref.name}: ${ctx.step}: not found in ${gkePaths.location(this.project, ref.region)}`, 'ClusterNotFound');
    return cluster;
  }
}
