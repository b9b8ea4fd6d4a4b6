import { apiServerHealth } from '../../kube/health.js';
import { tailLog } from '../../host/processes.js';
import { messageOf } from '../../errors.js';
import type { ProviderCluster } from '../types.js';
import { logOf, PROCESS_NAMES } from './components.js';
import { liveProcesses } from './control-plane.js';
import { endpointOf, readCredentials } from './credentials.js';
import { poolReports, registerMissingNodes } from './node-pools.js';
import type { ClusterPaths } from './paths.js';
import { componentsOf, type LocalClusterState } from './state.js';

/** Orders "1.35.4" and "1.36.3" numerically. */
export function compareReleases(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

/**
 * Where a local cluster is: Stopped (a process is not running; the last log lines of the
 * first one say why), Creating (the API server is not ready yet, with its failing checks, or a
 * node pool's nodes are still registering) or Running, with its node pools. Like a cloud's
 * node-group controller, it registers the Nodes a pool lacks when it looks (a node someone
 * deleted comes back); a pool in a surge upgrade is left to describeChange.
 */
export async function describeLocalCluster(paths: ClusterPaths, state: LocalClusterState): Promise<ProviderCluster> {
  const base = { name: state.name, providerId: state.providerId, endpoint: endpointOf(state) };
  const live = await liveProcesses(paths, state);
  const dead = componentsOf(state).filter((c) => !live[c]);
  if (dead.length > 0) {
    const tail = await tailLog(logOf(paths, dead[0]!), 3);
    return { ...base, status: 'Stopped', message: `${dead.map((c) => PROCESS_NAMES[c]).join(' and ')} not running${tail ? `; last log lines:\n${tail}` : ''}` };
  }
  const creds = await readCredentials(paths, state);
  const health = await apiServerHealth(creds, 3_000);
  if (!health.ready) {
    const failing = health.checks.split('\n').filter((l) => l.startsWith('[-]')).join('; ');
    return { ...base, status: 'Creating', version: state.kubernetesVersion, message: failing || health.checks.slice(0, 300) };
  }
  const version = health.version ?? state.kubernetesVersion;
  if (!state.nodePools) return { ...base, status: 'Running', version };
  let pools;
  try {
    pools = poolReports(state, await registerMissingNodes(creds, state));
  } catch (e) {
    return { ...base, status: 'Creating', version, message: `node pools: ${messageOf(e)}` };
  }
  const registering = pools.filter((p) => p.status === 'Creating');
  if (registering.length > 0) {
    return { ...base, status: 'Creating', version, nodePools: pools, message: registering.map((p) => `node pool ${p.name}: ${p.message}`).join('; ') };
  }
  return { ...base, status: 'Running', version, nodePools: pools };
}
