import { connect } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { renderKubeconfig } from '../../kube/kubeconfig.js';
import { apiserverArgs, apiserverMarker, etcdArgs, etcdMarker } from './flags.js';
import type { ClusterPaths } from './paths.js';
import { reusePorts } from './ports.js';
import { findProcesses, isAlive, spawnDetached, stopProcess } from '../../host/processes.js';
import { type LocalClusterState, writeState } from './state.js';
import { readCredentials } from './credentials.js';

/** Binaries one cluster runs, resolved from the toolchain for its Kubernetes version. */
export interface ControlPlaneBinaries {
  etcd: string;
  apiserver: string;
  /** Flags appended to kube-apiserver's own (LocalProviderOptions.extraApiserverArgs). */
  apiserverExtraArgs?: readonly string[];
}

/** Pids of the cluster's live processes; a missing entry means that process is not running. */
export interface LiveProcesses {
  etcd?: number;
  apiserver?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The recorded pid if it is still ours, else any process carrying our marker (an orphan). */
async function livePid(recorded: number | undefined, marker: string): Promise<number | undefined> {
  if (await isAlive(recorded, marker)) return recorded;
  return (await findProcesses(marker))[0];
}

/** Which of the cluster's processes run now. Read-only. */
export async function liveProcesses(paths: ClusterPaths, state: LocalClusterState): Promise<LiveProcesses> {
  const [etcd, apiserver] = await Promise.all([
    livePid(state.pids.etcd, etcdMarker(paths)),
    livePid(state.pids.apiserver, apiserverMarker(paths)),
  ]);
  return { ...(etcd ? { etcd } : {}), ...(apiserver ? { apiserver } : {}) };
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
 * Starts whichever of etcd and kube-apiserver is not running, keeping the recorded ports when
 * they are free, and records pids (and any new ports) in state.json before returning. Does
 * not wait for readiness, only for etcd to listen (well under a second) so the API server
 * does not start against nothing. Caller holds the cluster lock.
 */
export async function startControlPlane(
  paths: ClusterPaths,
  state: LocalClusterState,
  bins: ControlPlaneBinaries,
): Promise<LocalClusterState> {
  const live = await liveProcesses(paths, state);
  let next: LocalClusterState = { ...state, pids: { ...live } };
  if (live.etcd && live.apiserver) {
    if (live.etcd !== state.pids.etcd || live.apiserver !== state.pids.apiserver) await writeState(paths.state, next);
    return next;
  }

  // Only dead processes give up their ports; a live one keeps its own.
  const wanted: Partial<LocalClusterState['ports']> = {};
  if (!live.etcd) Object.assign(wanted, { etcdClient: state.ports.etcdClient, etcdPeer: state.ports.etcdPeer });
  if (!live.apiserver) wanted.apiserver = state.ports.apiserver;
  const { ports, changed } = await reusePorts(wanted as Record<string, number>);
  next = { ...next, ports: { ...state.ports, ...ports } };

  // A running API server pointed at an etcd port that changed must restart to follow it.
  if (live.apiserver && changed.includes('etcdClient')) {
    await stopProcess(live.apiserver, apiserverMarker(paths));
    delete next.pids.apiserver;
  }
  // Ports are recorded before spawning: if we die right after, the orphan matches the state.
  await writeState(paths.state, next);

  if (!next.pids.etcd) {
    next.pids.etcd = spawnDetached({ name: 'etcd', command: bins.etcd, args: etcdArgs(paths, next.ports), logFile: paths.etcdLog, cwd: paths.dir });
    await writeState(paths.state, next);
    await waitForPort(next.ports.etcdClient, 5_000);
  }
  if (!next.pids.apiserver) {
    next.pids.apiserver = spawnDetached({
      name: 'kube-apiserver',
      command: bins.apiserver,
      args: [...apiserverArgs(paths, next.ports), ...(bins.apiserverExtraArgs ?? [])],
      logFile: paths.apiserverLog,
      cwd: paths.dir,
    });
  }
  next.startedAt = new Date().toISOString();
  await writeState(paths.state, next);
  if (next.ports.apiserver !== state.ports.apiserver) await writeKubeconfig(paths, next);
  return next;
}

/** Stops the API server, then etcd (so the API server never runs on a dead store). */
export async function stopControlPlane(paths: ClusterPaths, state: LocalClusterState | undefined): Promise<void> {
  const stopAll = async (recorded: number | undefined, marker: string) => {
    const pids = new Set([...(recorded ? [recorded] : []), ...(await findProcesses(marker))]);
    await Promise.all([...pids].map((pid) => stopProcess(pid, marker)));
  };
  await stopAll(state?.pids.apiserver, apiserverMarker(paths));
  await stopAll(state?.pids.etcd, etcdMarker(paths));
}

/** (Re)writes the admin kubeconfig for users and kubectl; 0600, it holds the admin key. */
export async function writeKubeconfig(paths: ClusterPaths, state: LocalClusterState): Promise<void> {
  const creds = await readCredentials(paths, state);
  await writeFile(paths.kubeconfig, renderKubeconfig(creds, { cluster: state.name, user: 'fleetflow-admin' }), { mode: 0o600 });
}
