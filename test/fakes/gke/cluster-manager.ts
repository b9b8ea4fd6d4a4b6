import { randomBytes } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import type { ControlPlaneBacking } from './backing.js';
import { refuseInvalidCreate, type CreateSpec } from './create-rules.js';
import { RpcError } from './rpc-error.js';

/**
 * The behaviour of GKE's ClusterManager v1 that Fleetflow relies on, in memory: clusters and
 * node pools with GKE's statuses, long-running Operations that take time (PENDING -> RUNNING
 * -> DONE, with `error` when they fail), one operation per cluster at a time (a second one is
 * refused with FAILED_PRECONDITION, as GKE does), ALREADY_EXISTS / NOT_FOUND /
 * INVALID_ARGUMENT in GKE's words. Objects are plain JS in the proto's camelCase shape.
 */

export { RpcError };

export interface FakeNodePool {
  name: string;
  status: 'PROVISIONING' | 'RUNNING' | 'RECONCILING' | 'STOPPING' | 'ERROR';
  version: string;
  initialNodeCount: number;
  config: { machineType: string; imageType: string; resourceLabels: Record<string, string> };
  selfLink: string;
}

export interface FakeCluster {
  name: string;
  location: string;
  project: string;
  status: 'PROVISIONING' | 'RUNNING' | 'RECONCILING' | 'STOPPING' | 'ERROR';
  statusMessage: string;
  resourceLabels: Record<string, string>;
  initialClusterVersion: string;
  currentMasterVersion: string;
  endpoint: string;
  caPem: string;
  nodePools: FakeNodePool[];
  /** As requested at create (the proto's shapes). */
  releaseChannel: { channel: string } | null;
  network: string;
  subnetwork: string;
  privateClusterConfig: { enablePrivateNodes: boolean; enablePrivateEndpoint: boolean; masterIpv4CidrBlock: string } | null;
  selfLink: string;
  createTime: string;
  /** The operation that holds the cluster, if any. */
  busyWith?: string;
}

export interface FakeOperation {
  name: string;
  location: string;
  operationType: 'CREATE_CLUSTER' | 'DELETE_CLUSTER' | 'UPGRADE_MASTER' | 'UPGRADE_NODES' | 'CREATE_NODE_POOL';
  status: 'PENDING' | 'RUNNING' | 'DONE';
  detail: string;
  targetLink: string;
  selfLink: string;
  startTime: string;
  endTime: string;
  error: { code: number; message: string } | null;
}

export interface ClusterManagerOptions {
  project: string;
  backing: ControlPlaneBacking;
  /** Least time an operation takes (the backing's own work may take longer). Default 1.5 s. */
  operationMs?: number;
}

const API = 'https://container.googleapis.com/v1';
const NAME_RE = /^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$/;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const now = () => new Date().toISOString();
const minor = (v: string) => v.split('.').slice(0, 2).map(Number) as [number, number];
const newerMinor = (a: string, b: string) => {
  const [am, an] = minor(a);
  const [bm, bn] = minor(b);
  return am !== bm ? am > bm : an > bn;
};

/** Parses "projects/P/locations/L[/clusters/C[/nodePools/N]]" (or operations/O). */
export function parseName(name: string): { project: string; location: string; cluster?: string; pool?: string; operation?: string } {
  const m = /^projects\/([^/]+)\/locations\/([^/]+)(?:\/clusters\/([^/]+)(?:\/nodePools\/([^/]+))?|\/operations\/([^/]+))?$/.exec(name);
  if (!m) throw new RpcError(status.INVALID_ARGUMENT, `Invalid resource name "${name}".`);
  return { project: m[1]!, location: m[2]!, ...(m[3] ? { cluster: m[3] } : {}), ...(m[4] ? { pool: m[4] } : {}), ...(m[5] ? { operation: m[5] } : {}) };
}

/** The in-memory GKE: every mutating call returns an Operation that finishes later. */
export class ClusterManager {
  readonly project: string;
  private readonly backing: ControlPlaneBacking;
  private readonly operationMs: number;
  private readonly clusters = new Map<string, FakeCluster>();
  private readonly operations = new Map<string, FakeOperation>();
  private readonly pending = new Set<Promise<void>>();
  /** How many clusters were ever created per "location/name" (a duplicate create shows here). */
  readonly creations = new Map<string, number>();

  constructor(opts: ClusterManagerOptions) {
    this.project = opts.project;
    this.backing = opts.backing;
    this.operationMs = opts.operationMs ?? 1_500;
  }

  /** GKE-style versions offered: each backing release with a "-gke.100" suffix, newest first. */
  get validVersions(): string[] {
    return [...this.backing.releases].reverse().map((r) => `${r}-gke.100`);
  }

  /** "1.35", "1.35.4", "1.35.4-gke.100", "latest" or "-" (default) to an offered version. */
  resolveVersion(requested: string | undefined, what: 'Master' | 'Node', fallback: string): string {
    if (!requested || requested === '-') return fallback;
    if (requested === 'latest') return this.validVersions[0]!;
    const found = this.validVersions.find((v) => v === requested || v.startsWith(`${requested}.`) || v.startsWith(`${requested}-`));
    if (!found) throw new RpcError(status.INVALID_ARGUMENT, `${what} version "${requested}" is unsupported.`);
    return found;
  }

  get defaultVersion(): string {
    return this.validVersions.at(-1)!;
  }

  /** Every cluster now held, e.g. for "exactly one per name" checks. */
  list(location?: string): FakeCluster[] {
    return [...this.clusters.values()].filter((c) => !location || c.location === location);
  }

  getCluster(name: string): FakeCluster {
    const p = parseName(name);
    const c = this.clusters.get(this.key(p.location, p.cluster ?? ''));
    if (!c || c.project !== p.project) throw new RpcError(status.NOT_FOUND, `Not found: ${name}.`);
    return c;
  }

  getOperation(name: string): FakeOperation {
    const p = parseName(name);
    const op = this.operations.get(p.operation ?? '');
    if (!op || op.location !== p.location) throw new RpcError(status.NOT_FOUND, `Not found: ${name}.`);
    return op;
  }

  listOperations(parent: string): FakeOperation[] {
    const p = parseName(parent);
    return [...this.operations.values()].filter((op) => op.location === p.location);
  }

  createCluster(parent: string, spec: CreateSpec): FakeOperation {
    const p = parseName(parent);
    const name = spec.name ?? '';
    if (!NAME_RE.test(name)) throw new RpcError(status.INVALID_ARGUMENT, `Invalid value for field "cluster.name": "${name}". Must be a match of regex '(?:[a-z](?:[-a-z0-9]{0,38}[a-z0-9])?)'.`);
    refuseInvalidCreate(spec);
    const key = this.key(p.location, name);
    if (this.clusters.has(key)) throw new RpcError(status.ALREADY_EXISTS, `Already exists: projects/${p.project}/locations/${p.location}/clusters/${name}.`);
    const version = this.resolveVersion(spec.initialClusterVersion, 'Master', this.defaultVersion);
    const selfLink = `${API}/projects/${p.project}/locations/${p.location}/clusters/${name}`;
    const cluster: FakeCluster = {
      name,
      location: p.location,
      project: p.project,
      status: 'PROVISIONING',
      statusMessage: '',
      resourceLabels: { ...(spec.resourceLabels ?? {}) },
      initialClusterVersion: spec.initialClusterVersion ?? '',
      currentMasterVersion: version,
      endpoint: '',
      caPem: '',
      nodePools: [],
      releaseChannel: spec.releaseChannel?.channel ? { channel: String(spec.releaseChannel.channel) } : null,
      network: spec.network || 'default',
      subnetwork: spec.subnetwork || '',
      privateClusterConfig: spec.privateClusterConfig?.enablePrivateNodes
        ? { enablePrivateNodes: true, enablePrivateEndpoint: !!spec.privateClusterConfig.enablePrivateEndpoint, masterIpv4CidrBlock: spec.privateClusterConfig.masterIpv4CidrBlock ?? '' }
        : null,
      selfLink,
      createTime: now(),
    };
    // The deprecated initial_node_count makes one pool with GKE's name for it.
    const pools = spec.nodePools?.length ? spec.nodePools : [{ name: 'default-pool', initialNodeCount: spec.initialNodeCount ?? 0 }];
    cluster.nodePools = pools.map((pool) => this.newPool(cluster, pool, version));
    this.clusters.set(key, cluster);
    this.creations.set(key, (this.creations.get(key) ?? 0) + 1);
    let made = { endpoint: '', caPem: '' };
    return this.operate(cluster, 'CREATE_CLUSTER', selfLink, {
      work: async () => {
        made = await this.backing.create(name, version.split('-')[0]!);
      },
      done: () => {
        Object.assign(cluster, { ...made, status: 'RUNNING' });
        for (const pool of cluster.nodePools) pool.status = 'RUNNING';
      },
      failed: (message) => Object.assign(cluster, { status: 'ERROR', statusMessage: message }),
    });
  }

  deleteCluster(name: string): FakeOperation {
    const cluster = this.getCluster(name);
    this.refuseWhileBusy(cluster);
    cluster.status = 'STOPPING';
    for (const pool of cluster.nodePools) pool.status = 'STOPPING';
    return this.operate(cluster, 'DELETE_CLUSTER', cluster.selfLink, {
      work: () => this.backing.delete(cluster.name),
      done: () => this.clusters.delete(this.key(cluster.location, cluster.name)),
      failed: (message) => Object.assign(cluster, { status: 'ERROR', statusMessage: message }),
    });
  }

  updateMaster(name: string, masterVersion: string | undefined): FakeOperation {
    const cluster = this.getCluster(name);
    this.refuseWhileBusy(cluster);
    const version = this.resolveVersion(masterVersion, 'Master', cluster.currentMasterVersion);
    if (newerMinor(cluster.currentMasterVersion, version)) {
      throw new RpcError(status.INVALID_ARGUMENT, `Master version "${masterVersion}" is older than the current version ${cluster.currentMasterVersion}: downgrades are not supported.`);
    }
    cluster.status = 'RECONCILING';
    return this.operate(cluster, 'UPGRADE_MASTER', cluster.selfLink, {
      work: () => this.backing.upgrade(cluster.name, version.split('-')[0]!),
      done: () => Object.assign(cluster, { currentMasterVersion: version, status: 'RUNNING' }),
      failed: () => (cluster.status = 'RUNNING'),
    });
  }

  createNodePool(parent: string, spec: { name?: string; initialNodeCount?: number; config?: { machineType?: string; imageType?: string; resourceLabels?: Record<string, string> } }): FakeOperation {
    const cluster = this.getCluster(parent);
    const name = spec.name ?? '';
    if (!NAME_RE.test(name)) throw new RpcError(status.INVALID_ARGUMENT, `Invalid value for field "node_pool.name": "${name}".`);
    if (cluster.nodePools.some((p) => p.name === name)) throw new RpcError(status.ALREADY_EXISTS, `Already exists: ${parent}/nodePools/${name}.`);
    this.refuseWhileBusy(cluster);
    const pool = this.newPool(cluster, spec, cluster.currentMasterVersion);
    cluster.nodePools.push(pool);
    return this.operate(cluster, 'CREATE_NODE_POOL', pool.selfLink, {
      done: () => (pool.status = 'RUNNING'),
      failed: () => (pool.status = 'ERROR'),
    });
  }

  updateNodePool(name: string, nodeVersion: string | undefined, imageType: string | undefined): FakeOperation {
    const p = parseName(name);
    const cluster = this.getCluster(`projects/${p.project}/locations/${p.location}/clusters/${p.cluster}`);
    const pool = cluster.nodePools.find((np) => np.name === p.pool);
    if (!pool) throw new RpcError(status.NOT_FOUND, `Not found: ${name}.`);
    if (!imageType) throw new RpcError(status.INVALID_ARGUMENT, 'Required field "image_type" is missing.');
    this.refuseWhileBusy(cluster);
    const version = this.resolveVersion(nodeVersion, 'Node', cluster.currentMasterVersion);
    if (newerMinor(version, cluster.currentMasterVersion)) {
      throw new RpcError(status.INVALID_ARGUMENT, `Node version "${nodeVersion}" must not be newer than the master version ${cluster.currentMasterVersion}.`);
    }
    pool.status = 'RECONCILING';
    return this.operate(cluster, 'UPGRADE_NODES', pool.selfLink, {
      done: () => Object.assign(pool, { version, status: 'RUNNING', config: { ...pool.config, imageType } }),
      failed: () => (pool.status = 'RUNNING'),
    });
  }

  /** A pool as CreateCluster or CreateNodePool makes it: PROVISIONING, at the control plane's version. */
  private newPool(cluster: FakeCluster, spec: NonNullable<CreateSpec['nodePools']>[number], version: string): FakeNodePool {
    const name = spec.name ?? '';
    return {
      name,
      status: 'PROVISIONING',
      version,
      initialNodeCount: spec.initialNodeCount ?? 3,
      config: { machineType: spec.config?.machineType || 'e2-medium', imageType: spec.config?.imageType || 'COS_CONTAINERD', resourceLabels: spec.config?.resourceLabels ?? {} },
      selfLink: `${cluster.selfLink}/nodePools/${name}`,
    };
  }

  /** Resolves once every operation has finished (teardown). */
  async settle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private key(location: string, name: string): string {
    return `${location}/${name}`;
  }

  /** GKE serialises operations per cluster; its refusal names the running one. */
  private refuseWhileBusy(cluster: FakeCluster): void {
    if (cluster.busyWith) throw new RpcError(status.FAILED_PRECONDITION, `Cluster is running incompatible operation ${cluster.busyWith}.`);
    if (cluster.status === 'PROVISIONING' || cluster.status === 'STOPPING') {
      throw new RpcError(status.FAILED_PRECONDITION, `Cluster "${cluster.name}" is ${cluster.status.toLowerCase()}; retry when it is done.`);
    }
  }

  /**
   * Records an operation, runs `work` (the backing's part) beside a minimum duration, then
   * applies `done` and marks it DONE in one step, as GKE shows the result and the finished
   * operation together; on failure applies `failed` and marks it DONE with the error.
   */
  private operate(
    cluster: FakeCluster,
    type: FakeOperation['operationType'],
    targetLink: string,
    steps: { work?: () => Promise<void>; done: () => void; failed?: (message: string) => void },
  ): FakeOperation {
    const name = `operation-${Date.now()}-${randomBytes(4).toString('hex')}`;
    const op: FakeOperation = {
      name,
      location: cluster.location,
      operationType: type,
      status: 'PENDING',
      detail: '',
      targetLink,
      selfLink: `${API}/projects/${cluster.project}/locations/${cluster.location}/operations/${name}`,
      startTime: now(),
      endTime: '',
      error: null,
    };
    this.operations.set(name, op);
    cluster.busyWith = name;
    const run = (async () => {
      await sleep(Math.min(100, this.operationMs));
      op.status = 'RUNNING';
      try {
        await Promise.all([steps.work?.(), sleep(this.operationMs)]);
        steps.done();
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        op.error = { code: status.INTERNAL, message: `${type} failed: ${message}` };
        steps.failed?.(message);
      } finally {
        op.status = 'DONE';
        op.endTime = now();
        if (cluster.busyWith === name) delete cluster.busyWith;
      }
    })();
    this.pending.add(run);
    void run.finally(() => this.pending.delete(run));
    return { ...op };
  }
}
