import { readFile, writeFile } from 'node:fs/promises';
import { renderKubeconfig } from '../../kube/kubeconfig.js';
import { ensureComponentCerts } from './certs.js';
import { endpointOf } from './credentials.js';
import {
  apiserverArgs,
  apiserverMarker,
  controllerManagerArgs,
  controllerManagerMarker,
  etcdArgs,
  etcdMarker,
  kwokArgs,
  kwokMarker,
  schedulerArgs,
  schedulerConfigYaml,
  schedulerMarker,
} from './flags.js';
import { kwokStagesYaml } from './kwok-stages.js';
import { certFiles, type ClusterPaths } from './paths.js';
import type { Component, LocalClusterState } from './state.js';

/** Binaries one cluster runs, resolved from the toolchain for its Kubernetes version. */
export interface ControlPlaneBinaries {
  etcd: string;
  apiserver: string;
  controllerManager: string;
  scheduler: string;
  kwok: string;
  /** Flags appended to kube-apiserver's own (LocalProviderOptions.extraApiserverArgs). */
  apiserverExtraArgs?: readonly string[];
}

/** The name a process goes by in logs, messages and `ps`. */
export const PROCESS_NAMES: Readonly<Record<Component, string>> = {
  etcd: 'etcd',
  apiserver: 'kube-apiserver',
  controllerManager: 'kube-controller-manager',
  scheduler: 'kube-scheduler',
  kwok: 'kwok',
};

/** The whole argument that tells this cluster's `component` apart from every other process. */
export function markerOf(paths: ClusterPaths, component: Component): string {
  switch (component) {
    case 'etcd':
      return etcdMarker(paths);
    case 'apiserver':
      return apiserverMarker(paths);
    case 'controllerManager':
      return controllerManagerMarker(paths);
    case 'scheduler':
      return schedulerMarker(paths);
    case 'kwok':
      return kwokMarker(paths);
  }
}

export function logOf(paths: ClusterPaths, component: Component): string {
  return {
    etcd: paths.etcdLog,
    apiserver: paths.apiserverLog,
    controllerManager: paths.controllerManagerLog,
    scheduler: paths.schedulerLog,
    kwok: paths.kwokLog,
  }[component];
}

/** Command line of `component`, from the cluster's recorded ports. */
export function commandOf(paths: ClusterPaths, state: LocalClusterState, component: Component, bins: ControlPlaneBinaries): { command: string; args: string[] } {
  const { ports } = state;
  const need = (p: number | undefined, what: string) => {
    if (p === undefined) throw new Error(`cluster ${state.name}: no ${what} port recorded`);
    return p;
  };
  switch (component) {
    case 'etcd':
      return { command: bins.etcd, args: etcdArgs(paths, ports) };
    case 'apiserver':
      return { command: bins.apiserver, args: [...apiserverArgs(paths, ports), ...(bins.apiserverExtraArgs ?? [])] };
    case 'controllerManager':
      return { command: bins.controllerManager, args: controllerManagerArgs(paths, { controllerManager: need(ports.controllerManager, 'controller manager') }) };
    case 'scheduler':
      return { command: bins.scheduler, args: schedulerArgs(paths, { scheduler: need(ports.scheduler, 'scheduler') }) };
    case 'kwok':
      return { command: bins.kwok, args: kwokArgs(paths) };
  }
}

/** Client certificate files and user name of each component that reaches the API server by kubeconfig. */
function clientOf(paths: ClusterPaths) {
  const f = certFiles(paths.certs);
  return [
    { file: paths.controllerManagerKubeconfig, user: 'system:kube-controller-manager', cert: f.controllerManagerCert, key: f.controllerManagerKey },
    { file: paths.schedulerKubeconfig, user: 'system:kube-scheduler', cert: f.schedulerCert, key: f.schedulerKey },
    { file: paths.kwokKubeconfig, user: 'fleetflow-kwok', cert: f.kwokCert, key: f.kwokKey },
  ];
}

/**
 * Writes what the controller manager, the scheduler and KWOK read: their certificates (kept
 * when present), kubeconfigs pointing at the API server's current port (0600: they hold
 * keys), the scheduler's configuration and KWOK's stages. Rewritten on every start, so a
 * moved API server port and a newer Fleetflow's stages reach the next process started.
 */
export async function writeComponentFiles(paths: ClusterPaths, state: LocalClusterState): Promise<void> {
  await ensureComponentCerts(paths.certs);
  const caPem = await readFile(certFiles(paths.certs).caCert, 'utf8');
  await Promise.all([
    ...clientOf(paths).map(async (c) => {
      const [certPem, keyPem] = await Promise.all([readFile(c.cert, 'utf8'), readFile(c.key, 'utf8')]);
      const text = renderKubeconfig({ endpoint: endpointOf(state), caPem, auth: { kind: 'clientCertificate', certPem, keyPem } }, { cluster: state.name, user: c.user });
      await writeFile(c.file, text, { mode: 0o600 });
    }),
    writeFile(paths.schedulerConfig, schedulerConfigYaml(paths), { mode: 0o644 }),
    writeFile(paths.kwokConfig, kwokStagesYaml(), { mode: 0o644 }),
  ]);
}
