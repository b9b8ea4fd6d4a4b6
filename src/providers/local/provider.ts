import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ClusterNameSchema } from '../../domain/cluster/spec.js';
import type { NodePoolSpec } from '../../domain/cluster/spec.js';
import { PermanentError, TransientError } from '../../errors.js';
import { Toolchain } from '../../host/toolchain.js';
import { renderKubeconfig } from '../../kube/kubeconfig.js';
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
import { buildClusterFolder, removeLeftovers, trashName } from './cluster-folder.js';
import { type ControlPlaneBinaries, type LiveProcesses, liveProcesses, startControlPlane, stopControlPlane } from './control-plane.js';
import { readCredentials } from './credentials.js';
import { controlPlaneBinaries, resolveKubeRelease } from './binaries.js';
import { controlPlaneChangeOf, describePoolUpgrade, withNodePools, withPoolUpgrade } from './upgrades.js';
import { withLock } from './lock.js';
import { type ClusterPaths, clusterPaths, clustersDir } from './paths.js';
import { compareReleases, describeLocalCluster } from './status.js';
import { type LocalClusterState, readState, writeState } from './state.js';

export interface LocalProviderOptions {
  /** Root of all local clusters; each lives in `<dataDir>/clusters/<name>/`. */
  dataDir: string;
  /** Where the cluster's binaries come from; defaults to the shared tools cache. */
  toolchain?: Toolchain;
  /**
   * Flags added to every kube-apiserver this provider starts, e.g. a token-review webhook
   * (`--authentication-token-webhook-config-file=...`) so bearer tokens are checked the way a
   * cloud's authenticator checks them. Applied when a process is (re)started. A function gets
   * the cluster's name, for flags that differ per cluster (each cluster's own webhook URL).
   */
  extraApiserverArgs?: readonly string[] | ((cluster: string) => readonly string[]);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The change id of a node-pool upgrade: names the pool and the target, so it is self-describing. */
const poolChangeId = (pool: string, target: string) => `pool/${pool}/upgrade-to-${target}`;

/**
 * Whole Kubernetes clusters on this machine: per cluster etcd, kube-apiserver,
 * kube-controller-manager and kube-scheduler of one release, and KWOK playing the kubelets of
 * its node pools' Nodes, on free loopback ports, with their own PKI and folder. Workloads
 * really roll out (the controllers and the scheduler are the real ones); only containers are
 * simulated.
 *
 * Invariants: the folder is the cluster (state on disk, nothing in memory, so any instance
 * on the same dataDir sees the same clusters); create, start, stop and delete of one name are
 * serialised by a lock file, so at most one control plane per name ever runs.
 */
export class LocalProvider implements ClusterProvider {
  readonly name = 'local' as const;
  readonly dataDir: string;
  readonly toolchain: Toolchain;
  private readonly extraApiserverArgs: (cluster: string) => readonly string[];

  constructor(opts: LocalProviderOptions) {
    this.dataDir = resolve(opts.dataDir);
    this.toolchain = opts.toolchain ?? new Toolchain();
    const extra = opts.extraApiserverArgs ?? [];
    this.extraApiserverArgs = typeof extra === 'function' ? extra : () => extra;
  }

  /** The admin kubeconfig written for users and kubectl, e.g. `kubectl --kubeconfig <it> get ns`. */
  kubeconfigPath(name: string): string {
    return this.paths(name).kubeconfig;
  }

  /**
   * Creates cluster `req.name`, or returns the existing one (restarting dead processes). Returns
   * right after spawning with status Creating; poll describe (or waitUntilRunning) for Running.
   */
  async create(req: CreateClusterRequest): Promise<ProviderCluster> {
    const paths = this.paths(req.name);
    const version = resolveKubeRelease(this.toolchain, req.name, req.kubernetesVersion);
    const bins = this.binaries(req.name, version);
    await mkdir(clustersDir(this.dataDir), { recursive: true });
    const state = await withLock(paths.lock, `create cluster ${req.name}`, async () => {
      await removeLeftovers(this.dataDir, req.name);
      const existing = await readState(paths.state);
      if (existing) return startControlPlane(paths, existing, this.binaries(req.name, existing.kubernetesVersion));
      // A folder without state.json is not a cluster (creation renames a complete folder in).
      if (existsSync(paths.dir)) await rm(paths.dir, { recursive: true, force: true });
      const fresh = await buildClusterFolder(this.dataDir, req, version, paths);
      return startControlPlane(paths, fresh, bins);
    });
    return describeLocalCluster(paths, state);
  }

  /** Where the cluster is: NotFound, Stopped, Creating (starting up) or Running. */
  async describe(ref: ClusterRef): Promise<ProviderCluster> {
    const paths = this.paths(ref.name);
    const state = await this.stateFor(ref, paths);
    if (!state) return { name: ref.name, status: 'NotFound' };
    return describeLocalCluster(paths, state);
  }

  /** Stops the processes and removes the folder. Deleting a missing cluster is fine. */
  async delete(ref: ClusterRef): Promise<ProviderCluster> {
    const paths = this.paths(ref.name);
    if (!existsSync(clustersDir(this.dataDir))) return { name: ref.name, status: 'NotFound' };
    // Always under the lock, so a delete cannot slip between a create's build and its rename.
    await withLock(paths.lock, `delete cluster ${ref.name}`, async () => {
      await removeLeftovers(this.dataDir, ref.name);
      if (!existsSync(paths.dir)) return;
      const state = await this.stateFor(ref, paths);
      if (!state && existsSync(paths.state)) return; // a different cluster now has this name
      await stopControlPlane(paths, state);
      // Rename first: a half-removed folder must never look like a cluster.
      const trash = trashName(this.dataDir, ref.name);
      await rename(paths.dir, trash);
      await rm(trash, { recursive: true, force: true });
    });
    return { name: ref.name, status: 'NotFound' };
  }

  /** Endpoint, CA and admin client certificate; PermanentError ClusterNotFound when absent. */
  async credentials(ref: ClusterRef): Promise<ClusterCredentials> {
    const paths = this.paths(ref.name);
    const state = await this.stateFor(ref, paths);
    if (!state) throw new PermanentError(`cluster ${ref.name}: not found in ${clustersDir(this.dataDir)}`, 'ClusterNotFound');
    return readCredentials(paths, state);
  }

  /** The admin kubeconfig, certificates inlined (as at `kubeconfigPath`): local clusters are for this machine's people. */
  async kubeconfig(ref: ClusterRef): Promise<string> {
    return renderKubeconfig(await this.credentials(ref), { cluster: ref.name, user: 'fleetflow-admin' });
  }

  /**
   * Adds the pools the cluster lacks (by name; existing ones are left alone) at the control
   * plane's version and registers their Nodes. Returns every pool as describe reports it.
   */
  async createNodePools(ref: ClusterRef, pools: readonly NodePoolSpec[]): Promise<ProviderNodePool[]> {
    const paths = this.paths(ref.name);
    const state = await withLock(paths.lock, `create node pools of ${ref.name}`, async () => {
      const current = await this.stateFor(ref, paths);
      if (!current) throw new PermanentError(`cluster ${ref.name}: not found`, 'ClusterNotFound');
      const next = withNodePools(current, pools);
      if (next !== current) await writeState(paths.state, next);
      return next;
    });
    return (await describeLocalCluster(paths, state)).nodePools ?? [];
  }

  /**
   * Swaps the control plane to another installed release the way a real upgrade does: the new
   * kube-apiserver takes over the same etcd data. Synchronous here (a few seconds), so the
   * change is reported at once; the id names the target so describeChange needs no memory.
   * Downgrades are refused: the storage of a newer release may not be readable by an older one.
   *
   * Repeating it converges: state.json names the target before the new processes start, so a
   * call interrupted after that (a worker SIGKILLed while the new API server came up, leaving
   * etcd and kube-apiserver without their controllers) is finished by the next call, which
   * starts whatever is not running at the target; nothing older can be running then, since
   * every process was stopped before the target was recorded.
   */
  async upgradeControlPlane(ref: ClusterRef, req: UpgradeRequest): Promise<ProviderChange> {
    const paths = this.paths(ref.name);
    const target = resolveKubeRelease(this.toolchain, ref.name, req.version);
    const bins = this.binaries(ref.name, target);
    const id = `upgrade-to-${target}`;
    await withLock(paths.lock, `upgrade cluster ${ref.name}`, async () => {
      const state = await this.stateFor(ref, paths);
      if (!state) throw new PermanentError(`cluster ${ref.name}: not found`, 'ClusterNotFound');
      if (state.kubernetesVersion === target) {
        await startControlPlane(paths, state, bins);
        return;
      }
      if (compareReleases(target, state.kubernetesVersion) < 0) {
        throw new PermanentError(`cluster ${ref.name}: cannot downgrade the control plane from ${state.kubernetesVersion} to ${target}`, 'UnsupportedVersion');
      }
      await stopControlPlane(paths, state);
      const next = { ...state, kubernetesVersion: target, pids: {} };
      await writeState(paths.state, next);
      await startControlPlane(paths, next, bins);
    });
    return this.describeChange(ref, id);
  }

  /**
   * Starts a surge upgrade of one pool to another installed release, no newer than the control
   * plane (a kubelet may not be newer than its API server): records the pool's new version;
   * describeChange then adds a node at that version, drains an old one through the Eviction
   * API (PodDisruptionBudgets honoured) and deletes it, until no old node is left. The id names
   * pool and target, so describeChange needs no memory.
   */
  async upgradeNodePool(ref: ClusterRef, pool: string, req: UpgradeRequest): Promise<ProviderChange> {
    const paths = this.paths(ref.name);
    const target = resolveKubeRelease(this.toolchain, ref.name, req.version);
    await withLock(paths.lock, `upgrade node pool ${pool} of ${ref.name}`, async () => {
      const state = await this.stateFor(ref, paths);
      if (!state) throw new PermanentError(`cluster ${ref.name}: not found`, 'ClusterNotFound');
      const next = withPoolUpgrade(ref.name, state, pool, target);
      if (next) await writeState(paths.state, next);
    });
    return this.describeChange(ref, poolChangeId(pool, target));
  }

  /**
   * A control-plane change succeeds once the API server is ready and reports the target
   * release; a node-pool change once the pool's nodes all run the target and are Ready, and
   * asking moves it on (see upgradeNodePool).
   */
  async describeChange(ref: ClusterRef, changeId: string): Promise<ProviderChange> {
    const pool = /^pool\/([^/]+)\/upgrade-to-(.+)$/.exec(changeId);
    if (pool) return this.describePoolChange(ref, changeId, pool[1]!, pool[2]!);
    const target = /^upgrade-to-(.+)$/.exec(changeId)?.[1];
    if (!target) throw new PermanentError(`cluster ${ref.name}: unknown change ${changeId}`, 'NotFound');
    return controlPlaneChangeOf(changeId, target, await this.describe(ref));
  }

  /** One look at a pool's surge upgrade, moving it on for a few seconds (node-pools.ts advancePool). */
  private async describePoolChange(ref: ClusterRef, id: string, poolName: string, target: string): Promise<ProviderChange> {
    const paths = this.paths(ref.name);
    const state = await this.stateFor(ref, paths);
    if (!state) return { id, status: 'Failed', message: `cluster ${ref.name} not found` };
    return describePoolUpgrade(paths, state, id, poolName, target);
  }

  /** Restarts a Stopped cluster's processes (same ports when free). */
  async start(ref: ClusterRef): Promise<ProviderCluster> {
    const paths = this.paths(ref.name);
    const state = await withLock(paths.lock, `start cluster ${ref.name}`, async () => {
      const current = await this.stateFor(ref, paths);
      if (!current) throw new PermanentError(`cluster ${ref.name}: not found`, 'ClusterNotFound');
      return startControlPlane(paths, current, this.binaries(ref.name, current.kubernetesVersion));
    });
    return describeLocalCluster(paths, state);
  }

  /** Stops the processes but keeps the folder (data, certs, ports), so start() brings it back. */
  async stop(ref: ClusterRef): Promise<ProviderCluster> {
    const paths = this.paths(ref.name);
    await withLock(paths.lock, `stop cluster ${ref.name}`, async () => {
      await stopControlPlane(paths, await this.stateFor(ref, paths));
    });
    return this.describe(ref);
  }

  /** Every cluster in the data dir, sorted by name. */
  async list(): Promise<ProviderCluster[]> {
    const names = (await readdir(clustersDir(this.dataDir)).catch(() => [] as string[]))
      .filter((n) => !n.startsWith('.') && existsSync(this.paths(n).state))
      .sort();
    return Promise.all(names.map((name) => this.describe({ name, region: 'local' })));
  }

  /** Stops every cluster's processes, keeping their folders (for `dev down`). */
  async stopAll(): Promise<void> {
    for (const c of await this.list()) await this.stop({ name: c.name, region: 'local' });
  }
  /** The pids of the cluster's running processes, from state.json checked against /proc. */
  async processes(ref: ClusterRef): Promise<LiveProcesses> {
    const paths = this.paths(ref.name);
    const state = await readState(paths.state);
    return state ? liveProcesses(paths, state) : {};
  }

  /**
   * Polls describe until Running. For tests and the CLI; workflows poll with durable timers.
   * Throws TransientError on timeout and PermanentError when the cluster stops or vanishes.
   */
  async waitUntilRunning(ref: ClusterRef, timeoutMs = 120_000): Promise<ProviderCluster> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const c = await this.describe(ref);
      if (c.status === 'Running') return c;
      if (c.status === 'NotFound' || c.status === 'Stopped') {
        throw new PermanentError(`cluster ${ref.name}: ${c.status} while waiting for Running: ${c.message ?? ''}`, 'ClusterNotRunning');
      }
      if (Date.now() > deadline) {
        throw new TransientError(`cluster ${ref.name}: not Running after ${timeoutMs} ms: ${c.message ?? ''}`, 'Timeout');
      }
      await sleep(250);
    }
  }

  private paths(name: string): ClusterPaths {
    // The name becomes a path: refuse anything that is not a DNS label ("..", "/").
    const parsed = ClusterNameSchema.safeParse(name);
    if (!parsed.success) {
      throw new PermanentError(`cluster "${name}": invalid name: ${parsed.error.issues[0]?.message}`, 'InvalidClusterName');
    }
    return clusterPaths(this.dataDir, name);
  }

  /** The state of the cluster `ref` means; undefined if absent or replaced (providerId differs). */
  private async stateFor(ref: ClusterRef, paths: ClusterPaths): Promise<LocalClusterState | undefined> {
    const state = await readState(paths.state);
    if (state && ref.providerId && ref.providerId !== state.providerId) return undefined;
    return state;
  }

  private binaries(name: string, version: string): ControlPlaneBinaries {
    return controlPlaneBinaries(this.toolchain, name, version, this.extraApiserverArgs(name));
  }
}
