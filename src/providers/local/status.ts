import { apiServerHealth } from '../../kube/health.js';
import { tailLog } from '../../host/processes.js';
import type { ProviderCluster } from '../types.js';
import { liveProcesses } from './control-plane.js';
import { endpointOf, readCredentials } from './credentials.js';
import type { ClusterPaths } from './paths.js';
import type { LocalClusterState } from './state.js';

/** Orders "1.35.4" and "1.36.3" numerically. */
export function compareReleases(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

/**
 * Where a local cluster is: Stopped (a process is not running; the last log lines say why),
 * Creating (the API server is not ready yet; its failing checks) or Running.
 */
export async function describeLocalCluster(paths: ClusterPaths, state: LocalClusterState): Promise<ProviderCluster> {
  const base = { name: state.name, providerId: state.providerId, endpoint: endpointOf(state) };
  const live = await liveProcesses(paths, state);
  if (!live.etcd || !live.apiserver) {
    const dead = [!live.etcd && 'etcd', !live.apiserver && 'kube-apiserver'].filter(Boolean).join(' and ');
    const log = !live.apiserver ? paths.apiserverLog : paths.etcdLog;
    const tail = await tailLog(log, 3);
    return { ...base, status: 'Stopped', message: `${dead} not running${tail ? `; last log lines:\n${tail}` : ''}` };
  }
  const health = await apiServerHealth(await readCredentials(paths, state), 3_000);
  if (health.ready) return { ...base, status: 'Running', version: health.version ?? state.kubernetesVersion };
  const failing = health.checks.split('\n').filter((l) => l.startsWith('[-]')).join('; ');
  return { ...base, status: 'Creating', version: state.kubernetesVersion, message: failing || health.checks.slice(0, 300) };
}
