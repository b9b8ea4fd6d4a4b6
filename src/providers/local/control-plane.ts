import { connect } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { DEFAULT_LOCAL_POOL } from '../../domain/cluster/local-node-pools.js';
import { TransientError } from '../../errors.js';
import { findProcesses, isAlive, spawnDetached, stopProcess } from '../../host/processes.js';
import { apiServerHealth } from '../../kube/health.js';
import { renderKubeconfig } from '../../kube/kubeconfig.js';
import { commandOf, type ControlPlaneBinaries, logOf, markerOf, PROCESS_NAMES, writeComponentFiles } from './components.js';
import { readCredentials } from './credentials.js';
import { ensureKwokRole } from './kwok-rbac.js';
import { registerMissingNodes } from './node-pools.js';
import type { ClusterPaths } from './paths.js';
import { freePorts, reusePorts } from './ports.js';
import { type Component, COMPONENTS, componentsOf, type LocalClusterState, writeState } from './state.js';

export type { ControlPlaneBinaries } from './components.js';

/** Pids of the cluster's live processes; a missing entry means that process is not running. */
export type LiveProcesses = Partial<Record<Component, number>>;

/** The processes that need the API server answering before they start (the controller manager exits after 10 s without it). */
const CLIENTS: readonly Component[] = ['controllerManager', 'scheduler', 'kwok'];
/**
 * How long a start waits for a fresh API server before giving up (retryably): inside the
 * 60 s a provider call may take, so a retry finds the lock free.
 */
const API_READY_TIMEOUT_MS = 45_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The recorded pid if it is still ours, else any process carrying our marker (an orphan). */
async function livePid(recorded: number | undefined, marker: string): Promise<number | undefined> {
  if (await isAlive(recorded, marker)) return recorded;
  return (await findProcesses(marker))[0];
}

/** Which of the cluster's recorded processes run now. Read-only. */
export async function liveProcesses(paths: ClusterPaths, state: LocalClusterState): Promise<LiveProcesses> {
  const components = componentsOf(state);
  const pids = await Promise.all(components.map((c) => livePid(state.pids[c], markerOf(paths, c))));
  return Object.fromEntries(components.flatMap((c, i) => (pids[i] ? [[c, pids[i]]] : [])));
}

/** Resolves once something accepts TCP on 127.0.0.1:port, or after `ms` (no error: best effort). */
async function waitForPort(port: number, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const s = connect({ port, host: '127.0.0.1' });
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (open) return;
    await sleep(50);
  }
}

/**
 * A cluster recorded before it had controllers, a scheduler, KWOK or nodes gets them: the
 * full process list, ports for the two that serve health checks, and the default node pool
 * at the cluster's version. Unchanged when it has them already.
 */
export async function makeWhole(state: LocalClusterState): Promise<LocalClusterState> {
  const missing = COMPONENTS.filter((c) => !componentsOf(state).includes(c));
  if (missing.length === 0 && state.nodePools) return state;
  const ports = { ...state.ports };
  const wanted = [ports.controllerManager === undefined && 'controllerManager', ports.scheduler === undefined && 'scheduler'].filter((k): k is 'controllerManager' | 'scheduler' => !!k);
  const fresh = await freePorts(wanted.length, new Set(Object.values(ports).filter((p): p is number => p !== undefined)));
  wanted.forEach((k, i) => (ports[k] = fresh[i]!));
  return {
    ...state,
    components: [...COMPONENTS],
    ports,
    nodePools: state.nodePools ?? [{ ...DEFAULT_LOCAL_POOL, version: state.kubernetesVersion }],
  };
}

/** The client components that listen on a port of their own (their health endpoints), named as their ports are. */
const OWN_PORT = ['controllerManager', 'scheduler'] as const;
const hasOwnPort = (c: Component): c is (typeof OWN_PORT)[number] => (OWN_PORT as readonly Component[]).includes(c);

/**
 * Starts whichever of the cluster's processes is not running, keeping the recorded ports when
 * they are free, and records pids (and any new ports) in state.json as it goes. etcd and the
 * API server start first; the controller manager, the scheduler and KWOK once the API server
 * answers (the controller manager gives up after ten seconds without it), then the node
 * pools' missing Nodes are registered. A cluster made before these processes existed gains
 * them here. Throws TransientError Timeout, state kept, if the API server is not
 * ready in time: calling again picks up where this stopped. Caller holds the cluster lock.
 */
export async function startControlPlane(paths: ClusterPaths, recorded: LocalClusterState, bins: ControlPlaneBinaries): Promise<LocalClusterState> {
  const state = await makeWhole(recorded);
  const live = await liveProcesses(paths, state);
  let next: LocalClusterState = { ...state, pids: { ...live } };
  if (COMPONENTS.every((c) => live[c])) {
    if (state !== recorded || COMPONENTS.some((c) => live[c] !== recorded.pids[c])) await writeState(paths.state, next);
    return next;
  }

  // Only dead processes give up their ports; a live one keeps its own.
  const wanted: Partial<Record<keyof LocalClusterState['ports'], number>> = {};
  if (!live.etcd) Object.assign(wanted, { etcdClient: state.ports.etcdClient, etcdPeer: state.ports.etcdPeer });
  if (!live.apiserver) wanted.apiserver = state.ports.apiserver;
  if (!live.controllerManager) wanted.controllerManager = state.ports.controllerManager!;
  if (!live.scheduler) wanted.scheduler = state.ports.scheduler!;
  const { ports, changed } = await reusePorts(wanted as Record<string, number>);
  next = { ...next, ports: { ...state.ports, ...ports } };

  // A running API server pointed at an etcd port that changed must restart to follow it, and
  // the API server's clients must follow a moved API server.
  const restart: Component[] = [];
  if (live.apiserver && changed.includes('etcdClient')) restart.push('apiserver');
  if (next.ports.apiserver !== recorded.ports.apiserver || restart.includes('apiserver')) restart.push(...CLIENTS.filter((c) => live[c]));
  for (const c of [...restart].reverse()) {
    await stopProcess(next.pids[c], markerOf(paths, c));
    delete next.pids[c];
  }
  // Ports are recorded before spawning: if we die right after, the orphan matches the state.
  await writeState(paths.state, next);
  await writeKubeconfig(paths, next);
  await writeComponentFiles(paths, next);

  const spawn = async (c: Component) => {
    if (next.pids[c]) return;
    // A client's own port serves only its health endpoint, so it may move: checked again here,
    // since the wait for the API server (up to 45 s) gave other processes time to bind it.
    if (hasOwnPort(c)) {
      const { ports: moved, changed: ownChanged } = await reusePorts({ [c]: next.ports[c]! } as Record<typeof c, number>, 0);
      if (ownChanged.length) next = { ...next, ports: { ...next.ports, ...moved } };
    }
    const { command, args } = commandOf(paths, next, c, bins);
    next.pids[c] = spawnDetached({ name: PROCESS_NAMES[c], command, args, logFile: logOf(paths, c), cwd: paths.dir });
    await writeState(paths.state, next);
  };
  await spawn('etcd');
  await waitForPort(next.ports.etcdClient, 5_000);
  await spawn('apiserver');
  next.startedAt = new Date().toISOString();
  await writeState(paths.state, next);

  const creds = await readCredentials(paths, next);
  const deadline = Date.now() + API_READY_TIMEOUT_MS;
  for (let health = await apiServerHealth(creds, 2_000); !health.ready; health = await apiServerHealth(creds, 2_000)) {
    if (Date.now() > deadline) {
      throw new TransientError(`cluster ${next.name}: the API server is not ready after ${API_READY_TIMEOUT_MS / 1000} s: ${health.checks.slice(0, 300)}`, 'Timeout');
    }
    await sleep(200);
  }
  if (!next.pids.kwok) await ensureKwokRole(creds, next.name);
  for (const c of CLIENTS) await spawn(c);
  await registerMissingNodes(creds, next);
  return next;
}

/** Stops the cluster's processes, clients first, etcd last (so nothing runs on a dead store). */
export async function stopControlPlane(paths: ClusterPaths, state: LocalClusterState | undefined): Promise<void> {
  const stopAll = async (c: Component) => {
    const marker = markerOf(paths, c);
    const recorded = state?.pids[c];
    const pids = new Set([...(recorded ? [recorded] : []), ...(await findProcesses(marker))]);
    await Promise.all([...pids].map((pid) => stopProcess(pid, marker)));
  };
  // Every component, not only the recorded ones: an orphan of any kind must not outlive its cluster.
  await Promise.all(CLIENTS.map(stopAll));
  await stopAll('apiserver');
  await stopAll('etcd');
}

/** (Re)writes the admin kubeconfig for users and kubectl; 0600, it holds the admin key. */
export async function writeKubeconfig(paths: ClusterPaths, state: LocalClusterState): Promise<void> {
  const creds = await readCredentials(paths, state);
  await writeFile(paths.kubeconfig, renderKubeconfig(creds, { cluster: state.name, user: 'fleetflow-admin' }), { mode: 0o600 });
}
