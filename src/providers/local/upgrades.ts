import type { NodePoolSpec } from '../../domain/cluster/spec.js';
import { DEFAULT_LOCAL_MACHINE_TYPE } from '../../domain/cluster/machine-types.js';
import { PermanentError } from '../../errors.js';
import type { ProviderChange, ProviderCluster } from '../types.js';
import { readCredentials } from './credentials.js';
import { advancePool, observePools, poolReports } from './node-pools.js';
import type { ClusterPaths } from './paths.js';
import type { LocalClusterState } from './state.js';
import { compareReleases, describeLocalCluster } from './status.js';

/**
 * The local provider's node-pool and upgrade decisions, apart from its locking and processes:
 * which pools a cluster gains, whether a pool may move to a release, and how far a change is.
 */

/** The state with the pools it lacks added at the control plane's release; the same object when none is new. */
export function withNodePools(state: LocalClusterState, pools: readonly NodePoolSpec[]): LocalClusterState {
  const have = new Set((state.nodePools ?? []).map((p) => p.name));
  const added = pools
    .filter((p) => !have.has(p.name))
    .map((p) => ({ name: p.name, nodeCount: p.nodeCount, machineType: p.machineType ?? DEFAULT_LOCAL_MACHINE_TYPE, version: state.kubernetesVersion }));
  return added.length === 0 ? state : { ...state, nodePools: [...(state.nodePools ?? []), ...added] };
}

/**
 * The state with `pool` headed for `target`, undefined when it already is. Refused: an unknown
 * pool, a kubelet newer than its API server, a downgrade.
 */
export function withPoolUpgrade(cluster: string, state: LocalClusterState, pool: string, target: string): LocalClusterState | undefined {
  const current = state.nodePools?.find((p) => p.name === pool);
  if (!current) {
    const names = (state.nodePools ?? []).map((p) => p.name).join(', ') || 'none';
    throw new PermanentError(`cluster ${cluster}: no node pool ${pool} (pools: ${names})`, 'NodePoolNotFound');
  }
  if (compareReleases(target, state.kubernetesVersion) > 0) {
    throw new PermanentError(`cluster ${cluster}: node pool ${pool}: ${target} is newer than the control plane's ${state.kubernetesVersion}`, 'UnsupportedVersion');
  }
  if (compareReleases(target, current.version) < 0) {
    throw new PermanentError(`cluster ${cluster}: node pool ${pool}: cannot downgrade from ${current.version} to ${target}`, 'UnsupportedVersion');
  }
  if (current.version === target) return undefined;
  return { ...state, nodePools: state.nodePools!.map((p) => (p.name === pool ? { ...p, version: target } : p)) };
}

/** A control-plane change as the cluster's describe shows it: done once the API server is ready on the target release. */
export function controlPlaneChangeOf(id: string, target: string, c: ProviderCluster): ProviderChange {
  if (c.status === 'Running' && c.version === target) return { id, status: 'Succeeded' };
  if (c.status === 'Running' && c.version && compareReleases(c.version, target) !== 0) {
    return { id, status: 'Failed', message: `the API server runs ${c.version}, not ${target}` };
  }
  if (c.status === 'NotFound' || c.status === 'Stopped') {
    return { id, status: 'Failed', message: `control plane ${c.status}${c.message ? `: ${c.message}` : ''}` };
  }
  return { id, status: 'InProgress', ...(c.message ? { message: c.message } : {}) };
}

/** One look at a pool's surge upgrade, moving it on for a few seconds (node-pools.ts advancePool). */
export async function describePoolUpgrade(paths: ClusterPaths, state: LocalClusterState, id: string, poolName: string, target: string): Promise<ProviderChange> {
  const pool = state.nodePools?.find((p) => p.name === poolName);
  if (!pool) return { id, status: 'Failed', message: `no node pool ${poolName}` };
  if (pool.version !== target) return { id, status: 'Failed', message: `node pool ${poolName} is now headed for ${pool.version}, not ${target}` };
  const c = await describeLocalCluster(paths, state);
  if (c.status === 'Stopped') return { id, status: 'Failed', message: `cluster Stopped${c.message ? `: ${c.message}` : ''}` };
  if (!c.nodePools) return { id, status: 'InProgress', message: c.message ?? 'the API server is starting' };
  const creds = await readCredentials(paths, state);
  const moved = await advancePool(creds, state, pool);
  if (!moved.done) return { id, status: 'InProgress', ...(moved.message ? { message: `node pool ${poolName}: ${moved.message}` } : {}) };
  const report = poolReports(state, await observePools(creds, state)).find((p) => p.name === poolName);
  if (report?.status === 'Running') return { id, status: 'Succeeded' };
  return { id, status: 'InProgress', message: `node pool ${poolName}: ${report?.message ?? report?.status ?? 'not reported'}` };
}
