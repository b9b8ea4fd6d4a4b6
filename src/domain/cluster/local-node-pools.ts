import { compareVersions } from '../upgrade/version-skew.js';
import { DEFAULT_LOCAL_MACHINE_TYPE } from './machine-types.js';

/**
 * The node pools of a local cluster, as pure decisions. A pool is a count of simulated Nodes
 * (KWOK plays their kubelets) at one kubelet version; the provider observes the pool's Nodes
 * and asks `planPoolStep` what to do next, one step at a time, the way a cloud's node-pool
 * controller converges: register missing nodes, and when the pool's version moves, surge
 * upgrade it (one new node at the new version, then cordon, drain and delete one old node,
 * repeat). Every step is safe to repeat: nodes are created by name, drains and deletes are
 * idempotent, so two observers racing at most do a step twice.
 */

/** One pool as the local provider records it. */
export interface LocalPool {
  name: string;
  nodeCount: number;
  machineType: string;
  /** Kubelet version of the pool's nodes ("1.35.4"); moving it starts a surge upgrade. */
  version: string;
}

/** One Node of a pool, as observed. */
export interface PoolNode {
  name: string;
  /** The number at the end of the node's name; new nodes take the next free one. */
  ordinal: number;
  /** Kubelet version the Node reports, without "v". */
  version: string;
  /** KWOK has initialised it (it has a Ready condition at all). */
  initialized: boolean;
  /** Its Ready condition is True. */
  ready: boolean;
  /** Cordoned: a drain has started on it. */
  unschedulable: boolean;
  /** Pods that a drain must move off it (not DaemonSet-managed, not mirror pods). */
  pods: number;
}

export type PoolStep =
  | { kind: 'create'; nodes: { name: string; ordinal: number }[] }
  | { kind: 'drain'; node: string }
  | { kind: 'delete'; node: string }
  | { kind: 'wait'; reason: string }
  | { kind: 'done' };

/** The pool a local cluster without node pools gets, as a small cloud cluster would. */
export const DEFAULT_LOCAL_POOL = { name: 'default', nodeCount: 2, machineType: DEFAULT_LOCAL_MACHINE_TYPE } as const;

/** Label on every local Node naming its pool (GKE's cloud.google.com/gke-nodepool, EKS's eks.amazonaws.com/nodegroup). */
export const POOL_LABEL = 'fleetflow.dev/node-pool';

/** Node name: the cluster's and the pool's names and an ordinal, so kubectl output says where a node belongs. */
export function poolNodeName(cluster: string, pool: string, ordinal: number): string {
  return `${cluster}-${pool}-${ordinal}`;
}

/** The ordinal at the end of a node name made by poolNodeName, or -1. */
export function ordinalOf(nodeName: string): number {
  const m = /-(\d+)$/.exec(nodeName);
  return m ? Number(m[1]) : -1;
}

/** Zone of the node with `ordinal`: nodes spread over three zones of the cluster's region, as a regional pool's do. */
export function zoneOf(region: string, ordinal: number): string {
  return `${region}-${'abc'[ordinal % 3]}`;
}

const byOrdinal = (a: PoolNode, b: PoolNode) => a.ordinal - b.ordinal;

/** A node to take out: one a drain has started on first (finish what was begun), else the oldest. */
function victim(nodes: readonly PoolNode[]): PoolNode {
  return [...nodes].sort((a, b) => Number(b.unschedulable) - Number(a.unschedulable) || byOrdinal(a, b))[0]!;
}

function takeOut(node: PoolNode): PoolStep {
  return node.pods > 0 ? { kind: 'drain', node: node.name } : { kind: 'delete', node: node.name };
}

function newNodes(cluster: string, pool: LocalPool, nodes: readonly PoolNode[], count: number): PoolStep {
  const next = Math.max(-1, ...nodes.map((n) => n.ordinal)) + 1;
  return { kind: 'create', nodes: Array.from({ length: count }, (_, i) => ({ name: poolNodeName(cluster, pool.name, next + i), ordinal: next + i })) };
}

/**
 * The next step for one pool, given its nodes. Registering: every missing node at once (a new
 * pool has nothing to keep available). Upgrading (a node at another version exists): surge of
 * one, unavailable none: while fewer nodes run the pool's version than it wants and no new
 * node is in flight, add one; once every new node is Ready, drain one old node, and once it is
 * empty, delete it.
 *
 * @example planPoolStep('dev', { name: 'default', nodeCount: 2, machineType: 'medium', version: '1.36.3' }, nodes)
 *   // -> { kind: 'create', nodes: [{ name: 'dev-default-2', ordinal: 2 }] } while both nodes run 1.35.4
 */
export function planPoolStep(cluster: string, pool: LocalPool, nodes: readonly PoolNode[]): PoolStep {
  const current = nodes.filter((n) => n.version === pool.version).sort(byOrdinal);
  const old = nodes.filter((n) => n.version !== pool.version).sort(byOrdinal);

  if (old.length === 0) {
    if (current.length < pool.nodeCount) return newNodes(cluster, pool, nodes, pool.nodeCount - current.length);
    if (current.length > pool.nodeCount) return takeOut(victim(current));
    const pending = current.filter((n) => !n.initialized).map((n) => n.name);
    return pending.length ? { kind: 'wait', reason: `node ${pending.join(', ')} registering` } : { kind: 'done' };
  }

  const notReady = current.filter((n) => !n.ready).map((n) => n.name);
  if (notReady.length) return { kind: 'wait', reason: `new node ${notReady.join(', ')} not Ready yet` };
  if (current.length < pool.nodeCount && nodes.length <= pool.nodeCount) return newNodes(cluster, pool, nodes, 1);
  return takeOut(victim(old));
}

/** How a pool looks from outside: what describe reports for it. */
export function poolStatus(pool: LocalPool, nodes: readonly PoolNode[]): { status: 'Creating' | 'Updating' | 'Running'; version: string; message?: string } {
  const current = nodes.filter((n) => n.version === pool.version);
  const old = nodes.filter((n) => n.version !== pool.version);
  if (old.length > 0) {
    // The oldest kubelet is what a version-skew check must see until the last one is gone.
    const oldest = old.map((n) => n.version).sort(compareVersions)[0]!;
    return { status: 'Updating', version: oldest, message: `surge upgrade to ${pool.version}: ${current.length}/${pool.nodeCount} nodes at ${pool.version}` };
  }
  const registered = current.filter((n) => n.initialized).length;
  if (registered < pool.nodeCount) return { status: 'Creating', version: pool.version, message: `${registered}/${pool.nodeCount} nodes registered` };
  if (current.length > pool.nodeCount) return { status: 'Updating', version: pool.version, message: `scaling down to ${pool.nodeCount} nodes` };
  return { status: 'Running', version: pool.version };
}
