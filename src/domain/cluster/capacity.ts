/**
 * What a cluster can still take: its nodes' allocatable CPU and memory and what the pods bound
 * to them request, summed by the health check (src/kube/cluster-capacity.ts) and kept in the
 * entity's state. Pure: the probe hands over plain numbers, this file sums and judges them.
 */

/** CPU in millicores, memory in bytes: what the nodes offer and what pods on them request. */
export interface ClusterCapacity {
  cpu: { allocatable: number; requested: number };
  memory: { allocatable: number; requested: number };
  /** Nodes counted (Ready and schedulable ones only offer capacity). */
  nodes: number;
  /** Distinct topology.kubernetes.io/zone values of the nodes, sorted. */
  zones: string[];
}

/** One Node as capacity needs it. */
export interface NodeCapacity {
  name: string;
  ready: boolean;
  unschedulable: boolean;
  allocatable: { cpu?: string; memory?: string };
  zone?: string;
}

/** One bound, not finished Pod: the node it runs on and the sum of its containers' requests. */
export interface PodRequests {
  node: string;
  cpu: number;
  memory: number;
}

const SUFFIX: Record<string, number> = {
  n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/**
 * A Kubernetes resource quantity in base units ("500m" -> 0.5, "8Gi" -> 8589934592, "1e3" ->
 * 1000), or undefined when it is not one.
 *
 * @example parseQuantity('250m') // 0.25
 */
export function parseQuantity(text: string): number | undefined {
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(n|u|m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?)$/.exec(text.trim());
  if (!m) return undefined;
  const base = Number(m[1]);
  if (m[2]) return base * 10 ** Number(m[2].slice(1));
  return base * SUFFIX[m[3] ?? '']!;
}

/** A CPU quantity in whole millicores (rounded up, as the scheduler does), 0 when unreadable. */
export const milliCpu = (q: string | undefined) => (q === undefined ? 0 : Math.ceil((parseQuantity(q) ?? 0) * 1000 - 1e-9));
/** A memory quantity in bytes, 0 when unreadable. */
export const bytes = (q: string | undefined) => (q === undefined ? 0 : Math.round(parseQuantity(q) ?? 0));

/**
 * Sums capacity over the nodes that can take pods (Ready, not cordoned) and the requests of the
 * pods bound to those nodes: a cordoned or NotReady node offers nothing, so the pods on it are
 * not counted against what is left.
 */
export function sumCapacity(nodes: readonly NodeCapacity[], pods: readonly PodRequests[]): ClusterCapacity {
  const usable = nodes.filter((n) => n.ready && !n.unschedulable);
  const names = new Set(usable.map((n) => n.name));
  const on = pods.filter((p) => names.has(p.node));
  return {
    cpu: { allocatable: sum(usable.map((n) => milliCpu(n.allocatable.cpu))), requested: sum(on.map((p) => p.cpu)) },
    memory: { allocatable: sum(usable.map((n) => bytes(n.allocatable.memory))), requested: sum(on.map((p) => p.memory)) },
    nodes: usable.length,
    zones: [...new Set(nodes.flatMap((n) => (n.zone ? [n.zone] : [])))].sort(),
  };
}

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

/** Free CPU (millicores) and memory (bytes): allocatable minus requested, never below 0. */
export function freeOf(c: ClusterCapacity): { cpu: number; memory: number } {
  return { cpu: Math.max(0, c.cpu.allocatable - c.cpu.requested), memory: Math.max(0, c.memory.allocatable - c.memory.requested) };
}

/** "1500m" / "2.5Gi" style text for reasons. */
export function formatCpu(milli: number): string {
  return milli % 1000 === 0 ? `${milli / 1000}` : `${milli}m`;
}
export function formatBytes(b: number): string {
  for (const [unit, size] of [['Gi', 2 ** 30], ['Mi', 2 ** 20], ['Ki', 2 ** 10]] as const) {
    if (b >= size) return `${Math.round((b / size) * 10) / 10}${unit}`;
  }
  return `${b}`;
}

/** The state with the capacity the last check read. */
export function withCapacity<S extends { capacity?: ClusterCapacity; updatedAt: string }>(state: S, capacity: ClusterCapacity, now: string): S {
  return { ...state, capacity, updatedAt: now };
}

/** Search attributes of capacity: selectable in visibility queries ("FleetFreeCpu >= 2"). */
export const CAPACITY_ATTRIBUTES = {
  zones: 'FleetZones',
  nodes: 'FleetNodes',
  freeCpu: 'FleetFreeCpu',
} as const;

/**
 * Their values: zones, the node count and free CPU in whole cores (rounded down, so the
 * attribute, and the entity's history, changes only when a whole core frees up or fills).
 */
export function capacityValues(c: ClusterCapacity): { zones: string[]; nodes: number; freeCpu: number } {
  return { zones: c.zones, nodes: c.nodes, freeCpu: Math.floor(freeOf(c).cpu / 1000) };
}
