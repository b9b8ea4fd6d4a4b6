import { ClusterManagerClient, type protos } from '@google-cloud/container';
import { GoogleAuth } from 'google-auth-library';
import { grpc, type CallOptions } from 'google-gax';
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
import { type GkeCallContext, gkeError, isAlreadyExists, isNotFound, isOperationInProgress, tokenError } from './errors.js';
import { gkeKubeconfig } from './kubeconfig.js';
import {
  gkePaths,
  isDone,
  isRelease,
  KEY_LABEL,
  keyLabelValue,
  operationType,
  resourceLabels,
  toProviderChange,
  toProviderCluster,
  toProviderNodePool,
} from './mapping.js';

type Cluster = protos.google.container.v1.ICluster;
type Operation = protos.google.container.v1.IOperation;

/** Returns an OAuth2 access token for the clusters' API servers; called once per credentials(). */
export type AccessTokenSource = () => Promise<string>;

export interface GkeProviderOptions {
  /** Google Cloud project id that owns the clusters. */
  project: string;
  /** host:port of an emulator, reached with plaintext gRPC and no auth; the public API when absent. */
  endpoint?: string;
  /** Service-account or authorized-user JSON file; Application Default Credentials when absent. */
  credentialsFile?: string;
  /**
   * Where access tokens for cluster API servers come from. Default: GoogleAuth (ADC or
   * credentialsFile) getAccessToken(). Tests against the emulator inject one, because ADC
   * cannot run offline.
   */
  tokenSource?: AccessTokenSource;
  /** Deadline of one API call; google-gax's own retries are off, Temporal retries. Default 15 s. */
  callTimeoutMs?: number;
  /**
   * How long one call waits for the cluster's running operation to end before starting another
   * (GKE runs one at a time), before giving up with a retryable error. Default 10 s.
   */
  busyWaitMs?: number;
  /** Pause between two tries while the cluster is busy. Default 1 s. */
  busyPollMs?: number;
}

const CLOUD_PLATFORM = 'https://www.googleapis.com/auth/cloud-platform';
/** Id prefix of a change that had nothing to do (the release already runs). */
const UNCHANGED = 'unchanged:';
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
  readonly project: string;
  private readonly client: ClusterManagerClient;
  private readonly tokenSource: AccessTokenSource;
  private readonly callOptions: CallOptions;
  private readonly busyWaitMs: number;
  private readonly busyPollMs: number;

  constructor(opts: GkeProviderOptions) {
    this.project = opts.project;
    const auth = new GoogleAuth({ scopes: CLOUD_PLATFORM, ...(opts.credentialsFile ? { keyFilename: opts.credentialsFile } : {}) });
    if (opts.endpoint) {
      const [host, port] = opts.endpoint.split(':') as [string, string];
      // google-gax's own grpc instance: channel credentials from another copy are not recognised.
      // The emulator needs no Google credentials: naming the universe keeps google-gax from
      // probing ADC and the GCE metadata server before the first call.
      const offline = new GoogleAuth({ clientOptions: { universeDomain: 'googleapis.com' } });
      this.client = new ClusterManagerClient({ apiEndpoint: host, port: Number(port), sslCreds: grpc.credentials.createInsecure(), auth: offline });
    } else {
      this.client = new ClusterManagerClient({ auth, projectId: opts.project });
    }
    this.tokenSource =
      opts.tokenSource ??
      (async () => {
        const token = await auth.getAccessToken();
        if (!token) throw new Error('Could not load the default credentials: no access token returned');
        return token;
      });
    this.callOptions = { timeout: opts.callTimeoutMs ?? 15_000, retry: null };
    this.busyWaitMs = opts.busyWaitMs ?? 10_000;
    this.busyPollMs = opts.busyPollMs ?? 1_000;
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
    await this.client.close();
  }

  /** Starts creating the cluster, or adopts the one this idempotency key already created. */
  async create(req: CreateClusterRequest): Promise<ProviderCluster> {
    const ctx = { cluster: req.name, step: 'creating the cluster' };
    const ref = { name: req.name, region: req.region };
    const cluster: Cluster = {
      name: req.name,
      resourceLabels: resourceLabels(req.labels, req.idempotencyKey),
      ...(req.kubernetesVersion ? { initialClusterVersion: req.kubernetesVersion } : {}),
    };
    try {
      await this.client.createCluster({ parent: gkePaths.location(this.project, req.region), cluster }, this.callOptions);
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
    const deadline = Date.now() + this.busyWaitMs;
    for (;;) {
      try {
        await this.client.deleteCluster({ name: this.clusterPath(ref) }, this.callOptions);
        return { name: ref.name, providerId: this.clusterPath(ref), status: 'Deleting' };
      } catch (e) {
        if (isNotFound(e)) return { name: ref.name, status: 'NotFound' };
        if (!isOperationInProgress(e)) throw gkeError(e, ctx);
        // Refused while an operation runs, which may be our own earlier delete.
        const now = await this.describe(ref);
        if (now.status === 'Deleting' || now.status === 'NotFound') return now;
        if (Date.now() + this.busyPollMs > deadline) throw gkeError(e, ctx);
        await sleep(this.busyPollMs);
      }
    }
  }

  /** https endpoint and CA from the cluster, a fresh access token; built in the worker only. */
  async credentials(ref: ClusterRef): Promise<ClusterCredentials> {
    const ctx = { cluster: ref.name, step: 'getting credentials' };
    const cluster = await this.requireCluster(ref, ctx);
    const ca = cluster.masterAuth?.clusterCaCertificate;
    if (!cluster.endpoint || !ca) throw new TransientError(`cluster ${ref.name}: ${ctx.step}: the cluster has no endpoint or CA yet`, 'ClusterNotReady');
    let token: string;
    try {
      token = await this.tokenSource();
    } catch (e) {
      throw tokenError(e, ctx);
    }
    return { endpoint: `https://${cluster.endpoint}`, caPem: Buffer.from(ca, 'base64').toString('utf8'), auth: { kind: 'bearerToken', token } };
  }

  /** For people: endpoint and CA from GetCluster, `gke-gcloud-auth-plugin` as the user (kubeconfig.ts). */
  async kubeconfig(ref: ClusterRef): Promise<string> {
    const cluster = await this.requireCluster(ref, { cluster: ref.name, step: 'building a kubeconfig' });
    return gkeKubeconfig(cluster, { project: this.project, location: ref.region });
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
      const nodePool = {
        name: pool.name,
        initialNodeCount: pool.nodeCount,
        // Pools are adopted by name; the key marks the pool's cloud resources for whoever looks.
        config: { ...(pool.machineType ? { machineType: pool.machineType } : {}), resourceLabels: { [KEY_LABEL]: keyLabelValue(idempotencyKey) } },
      };
      await this.whenFree({ ...ctx, step: `creating node pool ${pool.name}` }, () =>
        this.client.createNodePool({ parent: this.clusterPath(ref), nodePool }, this.callOptions).then(
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
    return this.startChange(ref, ctx, {
      type: 'UPGRADE_MASTER',
      target: `/clusters/${ref.name}`,
      alreadyAt: isRelease(cluster.currentMasterVersion, req.version),
      start: () => this.client.updateMaster({ name: this.clusterPath(ref), masterVersion: req.version }, this.callOptions),
    });
  }

  /** UpdateNodePool with the release as nodeVersion; adopts an upgrade of that pool already running. */
  async upgradeNodePool(ref: ClusterRef, pool: string, req: UpgradeRequest): Promise<ProviderChange> {
    const ctx = { cluster: ref.name, step: `upgrading node pool ${pool} to ${req.version}` };
    const cluster = await this.requireCluster(ref, ctx);
    const current = cluster.nodePools?.find((p) => p.name === pool);
    if (!current) throw new PermanentError(`cluster ${ref.name}: ${ctx.step}: the cluster has no node pool ${pool}`, 'NodePoolNotFound');
    const name = gkePaths.nodePool(this.project, ref.region, ref.name, pool);
    return this.startChange(ref, ctx, {
      type: 'UPGRADE_NODES',
      target: `/clusters/${ref.name}/nodePools/${pool}`,
      alreadyAt: isRelease(current.version, req.version),
      // image_type is required: keep the pool's own.
      start: () => this.client.updateNodePool({ name, nodeVersion: req.version, imageType: current.config?.imageType || 'COS_CONTAINERD' }, this.callOptions),
    });
  }

  /** GetOperation: DONE with an error is Failed with GKE's message. */
  async describeChange(ref: ClusterRef, changeId: string): Promise<ProviderChange> {
    if (changeId.startsWith(UNCHANGED)) return { id: changeId, status: 'Succeeded', message: 'the release already ran' };
    const ctx = { cluster: ref.name, step: `describing change ${changeId}` };
    try {
      const [op] = await this.client.getOperation({ name: changeId }, this.callOptions);
      return toProviderChange(op, changeId);
    } catch (e) {
      if (isNotFound(e)) throw new PermanentError(`cluster ${ref.name}: ${ctx.step}: GKE has no such operation`, 'ChangeNotFound', { cause: e });
      throw gkeError(e, ctx);
    }
  }

  private clusterPath(ref: { name: string; region: string }): string {
    return gkePaths.cluster(this.project, ref.region, ref.name);
  }

  private opId(ref: ClusterRef, op: Operation): string {
    return gkePaths.operation(this.project, ref.region, op.name ?? '');
  }

  /** GetCluster; undefined when GKE says NOT_FOUND. */
  private async getCluster(ref: ClusterRef, ctx: GkeCallContext): Promise<Cluster | undefined> {
    try {
      const [cluster] = await this.client.getCluster({ name: this.clusterPath(ref) }, this.callOptions);
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

  /**
   * Starts a change unless one of the same kind already runs on the target (a retried call
   * adopts it) or the release already runs (then the last such change, or an "unchanged" one).
   * GKE operations carry no caller token, so "this key's change" is recognised by kind and target.
   */
  private async startChange(
    ref: ClusterRef,
    ctx: GkeCallContext,
    change: { type: string; target: string; alreadyAt: boolean; start: () => Promise<[Operation, ...unknown[]]> },
  ): Promise<ProviderChange> {
    const ops = await this.operationsOn(ref, ctx, change.type, change.target);
    const running = ops.find((op) => !isDone(op));
    if (running) return toProviderChange(running, this.opId(ref, running));
    if (change.alreadyAt) {
      const last = ops.at(-1);
      return last ? toProviderChange(last, this.opId(ref, last)) : { id: `${UNCHANGED}${change.target}`, status: 'Succeeded' };
    }
    const op = await this.whenFree(ctx, async () => (await change.start())[0]);
    return toProviderChange(op, this.opId(ref, op));
  }

  /** Operations of one type on one target, oldest first. */
  private async operationsOn(ref: ClusterRef, ctx: GkeCallContext, type: string, target: string): Promise<Operation[]> {
    try {
      const [list] = await this.client.listOperations({ parent: gkePaths.location(this.project, ref.region) }, this.callOptions);
      return (list.operations ?? [])
        .filter((op) => operationType(op) === type && (op.targetLink ?? '').endsWith(target))
        .sort((a, b) => String(a.startTime ?? '').localeCompare(String(b.startTime ?? '')));
    } catch (e) {
      throw gkeError(e, ctx);
    }
  }

  /** Runs `fn`, retrying only "another operation is running" for up to busyWaitMs. */
  private async whenFree<T>(ctx: GkeCallContext, fn: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.busyWaitMs;
    for (;;) {
      try {
        return await fn();
      } catch (e) {
        if (!isOperationInProgress(e) || Date.now() + this.busyPollMs > deadline) throw gkeError(e, ctx);
        await sleep(this.busyPollMs);
      }
    }
  }
}
