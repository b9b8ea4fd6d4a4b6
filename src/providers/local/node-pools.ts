import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { isApiException, kube } from '../../kube/library.js';
import { planPoolStep, poolStatus, POOL_LABEL, ordinalOf, zoneOf, type PoolNode } from '../../domain/cluster/local-node-pools.js';
import { localMachineType } from '../../domain/cluster/machine-types.js';
import { FleetflowError, messageOf } from '../../errors.js';
import { kubeConfigFor } from '../../kube/client.js';
import type { ClusterCredentials } from '../../kube/credentials.js';
import { drainNode, skipReason } from '../../kube/drain.js';
import { isNotFound, kubeError } from '../../kube/errors.js';
import type { ProviderNodePool } from '../types.js';
import type { LocalClusterState, LocalPoolState } from './state.js';

/**
 * The node pools of a local cluster on its API server: Node objects that KWOK keeps Ready
 * (it manages exactly the Nodes annotated KWOK_ANNOTATION), registered, surge-upgraded and
 * deleted as planPoolStep (src/domain/cluster/local-node-pools.ts) decides.
 */

/** The annotation KWOK is started to manage (flags.ts kwokArgs). */
export const KWOK_ANNOTATION = 'kwok.x-k8s.io/node';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const core = (creds: ClusterCredentials) => kubeConfigFor(creds).makeApiClient(kube().CoreV1Api);

/** A node's InternalIP: one /16 per pool (by its place in the cluster's list), unique per ordinal. */
function nodeIp(poolIndex: number, ordinal: number): string {
  return `10.${128 + (poolIndex % 64)}.${Math.floor(ordinal / 250) % 256}.${(ordinal % 250) + 1}`;
}

/**
 * The Node a kubelet of this pool would register, labelled as cloud nodes are (instance type,
 * region and zone, pool), with the machine type's allocatable and the pool's kubelet version.
 * Nodes may be created with their status, so KWOK starts from what is written here.
 */
export function nodeManifest(state: LocalClusterState, pool: LocalPoolState, node: { name: string; ordinal: number }): V1Node {
  const machine = localMachineType(pool.machineType) ?? localMachineType(undefined)!;
  const resources = { cpu: machine.cpu, memory: machine.memory, pods: String(machine.pods) };
  const poolIndex = Math.max(0, (state.nodePools ?? []).findIndex((p) => p.name === pool.name));
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: node.name,
      annotations: { [KWOK_ANNOTATION]: 'fake' },
      labels: {
        'kubernetes.io/hostname': node.name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'node.kubernetes.io/instance-type': pool.machineType,
        'topology.kubernetes.io/region': state.region,
        'topology.kubernetes.io/zone': zoneOf(state.region, node.ordinal),
        [POOL_LABEL]: pool.name,
      },
    },
    spec: { providerID: `kwok://${state.name}/${node.name}` },
    status: {
      capacity: resources,
      allocatable: resources,
      addresses: [
        { type: 'InternalIP', address: nodeIp(poolIndex, node.ordinal) },
        { type: 'Hostname', address: node.name },
      ],
      nodeInfo: {
        kubeletVersion: `v${pool.version}`,
        kubeProxyVersion: '',
        architecture: 'amd64',
        operatingSystem: 'linux',
        osImage: 'KWOK simulated node',
        kernelVersion: '',
        containerRuntimeVersion: 'kwok',
        machineID: '',
        systemUUID: '',
        bootID: '',
      },
    },
  };
}

function observedNode(n: V1Node, podsOn: Map<string, number>): PoolNode {
  const name = n.metadata?.name ?? '?';
  const ready = n.status?.conditions?.find((c) => c.type === 'Ready');
  return {
    name,
    ordinal: ordinalOf(name),
    version: (n.status?.nodeInfo?.kubeletVersion ?? '').replace(/^v/, ''),
    initialized: !!ready,
    ready: ready?.status === 'True',
    unschedulable: n.spec?.unschedulable === true,
    pods: podsOn.get(name) ?? 0,
  };
}

/** Pods a drain would have to move, per node name (DaemonSet and mirror pods stay). */
async function podsPerNode(creds: ClusterCredentials): Promise<Map<string, number>> {
  const pods: V1Pod[] = (await core(creds).listPodForAllNamespaces()).items;
  const counts = new Map<string, number>();
  for (const p of pods) {
    const node = p.spec?.nodeName;
    if (node && !skipReason(p)) counts.set(node, (counts.get(node) ?? 0) + 1);
  }
  return counts;
}

/** Every pool's nodes as the API server has them; `withPods` also counts the pods on each. */
export async function observePools(creds: ClusterCredentials, state: LocalClusterState, withPods = false): Promise<Map<string, PoolNode[]>> {
  try {
    const [nodes, pods] = await Promise.all([
      core(creds).listNode({ labelSelector: POOL_LABEL }),
      withPods ? podsPerNode(creds) : Promise.resolve(new Map<string, number>()),
    ]);
    const byPool = new Map<string, PoolNode[]>((state.nodePools ?? []).map((p) => [p.name, []]));
    for (const n of nodes.items) byPool.get(n.metadata?.labels?.[POOL_LABEL] ?? '')?.push(observedNode(n, pods));
    return byPool;
  } catch (e) {
    throw kubeError(e, `cluster ${state.name}: list pool nodes`);
  }
}

async function createNodes(creds: ClusterCredentials, state: LocalClusterState, pool: LocalPoolState, nodes: { name: string; ordinal: number }[]): Promise<void> {
  const api = core(creds);
  await Promise.all(
    nodes.map(async (n) => {
      try {
        await api.createNode({ body: nodeManifest(state, pool, n) });
      } catch (e) {
        // Two observers raced to the same step: the node is there, which is what both wanted.
        if (!(isApiException(e) && e.code === 409)) throw kubeError(e, `cluster ${state.name}: register Node ${n.name}`);
      }
    }),
  );
}

/**
 * Registers the nodes pools lack (a new pool, a node someone deleted), leaving pools in the
 * middle of an upgrade to advancePool. Returns the observation it acted on.
 */
export async function registerMissingNodes(creds: ClusterCredentials, state: LocalClusterState): Promise<Map<string, PoolNode[]>> {
  const observed = await observePools(creds, state);
  for (const pool of state.nodePools ?? []) {
    const nodes = observed.get(pool.name) ?? [];
    if (nodes.some((n) => n.version !== pool.version)) continue;
    const step = planPoolStep(state.name, pool, nodes);
    if (step.kind === 'create') await createNodes(creds, state, pool, step.nodes);
  }
  return observed;
}

/** What describe reports for each pool. */
export function poolReports(state: LocalClusterState, observed: Map<string, PoolNode[]>): ProviderNodePool[] {
  return (state.nodePools ?? []).map((pool) => {
    const s = poolStatus(pool, observed.get(pool.name) ?? []);
    return { name: pool.name, status: s.status, version: s.version, ...(s.message ? { message: s.message } : {}) };
  });
}

export interface AdvanceOptions {
  /** How long one call may work before it reports progress (default 15 s). */
  budgetMs?: number;
  /** How long one drain attempt waits on PodDisruptionBudgets before reporting (default 5 s). */
  drainAttemptMs?: number;
}

/**
 * Moves one pool towards its recorded size and version for up to `budgetMs`: registers new
 * nodes, waits for them to be Ready, drains old ones through the Eviction API (so
 * PodDisruptionBudgets pace it) and deletes them once empty. Returns done, or what it is
 * waiting on (a node not Ready, the budget that refuses an eviction). A cloud's surge upgrade
 * runs by itself; this one runs while someone asks how it is going (describeChange), which a
 * workflow does on a timer until it is done.
 */
export async function advancePool(creds: ClusterCredentials, state: LocalClusterState, pool: LocalPoolState, opts: AdvanceOptions = {}): Promise<{ done: boolean; message?: string }> {
  const deadline = Date.now() + (opts.budgetMs ?? 15_000);
  let last = 'starting';
  while (Date.now() < deadline) {
    const nodes = (await observePools(creds, state, true)).get(pool.name) ?? [];
    const step = planPoolStep(state.name, pool, nodes);
    switch (step.kind) {
      case 'done':
        return { done: true };
      case 'wait':
        last = step.reason;
        await sleep(500);
        break;
      case 'create':
        await createNodes(creds, state, pool, step.nodes);
        last = `added node ${step.nodes.map((n) => n.name).join(', ')}`;
        break;
      case 'drain':
        try {
          const left = Math.max(1_000, Math.min(opts.drainAttemptMs ?? 5_000, deadline - Date.now()));
          await drainNode(creds, step.node, { deadlineMs: left, retryIntervalMs: 1_000 });
          last = `drained node ${step.node}`;
        } catch (e) {
          if (!(e instanceof FleetflowError && e.type === 'DrainTimedOut')) throw e;
          last = `draining node ${step.node}: ${messageOf(e)}`;
        }
        break;
      case 'delete':
        try {
          await core(creds).deleteNode({ name: step.node });
        } catch (e) {
          if (!isNotFound(e)) throw kubeError(e, `cluster ${state.name}: delete Node ${step.node}`);
        }
        last = `deleted node ${step.node}`;
        break;
    }
  }
  return { done: false, message: last };
}
