import type { V1NodeList, V1PodList } from '@kubernetes/client-node';
import { apiException } from './library.js';
import { milliCpu, bytes, sumCapacity, type ClusterCapacity, type NodeCapacity, type PodRequests } from '../domain/cluster/capacity.js';
import type { ClusterCredentials } from './credentials.js';
import { kubeError } from './errors.js';
import { apiGet } from './health.js';

/**
 * Reads what a cluster can still take, as the scheduler counts it: each Node's allocatable CPU
 * and memory and zone label, and the requests of every Pod bound to a node that has not
 * finished (a pod's request is the larger of its containers' sum and its largest init
 * container, plus its overhead). Sums with the pure sumCapacity.
 */

const PAGE = 500;
export const ZONE_LABEL = 'topology.kubernetes.io/zone';

async function pages<T extends { metadata?: { _continue?: string } }>(creds: ClusterCredentials, path: string, timeoutMs: number, each: (page: T) => void): Promise<void> {
  let next: string | undefined;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const url = `${path}${sep}limit=${PAGE}${next ? `&continue=${encodeURIComponent(next)}` : ''}`;
    const res = await apiGet(creds, url, timeoutMs);
    if (res.status !== 200) throw kubeError(apiException(res.status, 'GET', res.body, {}), `GET ${path.split('?')[0]}`);
    const page = JSON.parse(res.body) as T;
    each(page);
    next = page.metadata?._continue || undefined;
  } while (next);
}

type Requests = { requests?: Record<string, string> } | undefined;
const sumOf = (list: { resources?: Requests }[] | undefined, pick: (q: string | undefined) => number, key: string) =>
  (list ?? []).reduce((a, c) => a + pick(c.resources?.requests?.[key]), 0);
const maxOf = (list: { resources?: Requests }[] | undefined, pick: (q: string | undefined) => number, key: string) =>
  Math.max(0, ...(list ?? []).map((c) => pick(c.resources?.requests?.[key])));

/** The capacity of the cluster; throws (a KubeError) when nodes or pods cannot be listed. */
export async function observeCapacity(creds: ClusterCredentials, timeoutMs = 5_000): Promise<ClusterCapacity> {
  const nodes: NodeCapacity[] = [];
  const pods: PodRequests[] = [];
  await pages<V1NodeList>(creds, '/api/v1/nodes', timeoutMs, (page) => {
    for (const n of page.items) {
      nodes.push({
        name: n.metadata?.name ?? '?',
        ready: n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True',
        unschedulable: n.spec?.unschedulable === true,
        allocatable: { cpu: n.status?.allocatable?.cpu, memory: n.status?.allocatable?.memory },
        ...(n.metadata?.labels?.[ZONE_LABEL] ? { zone: n.metadata.labels[ZONE_LABEL] } : {}),
      });
    }
  });
  const selector = encodeURIComponent('status.phase!=Succeeded,status.phase!=Failed,spec.nodeName!=');
  await pages<V1PodList>(creds, `/api/v1/pods?fieldSelector=${selector}`, timeoutMs, (page) => {
    for (const p of page.items) {
      const spec = p.spec;
      if (!spec?.nodeName) continue;
      const one = (pick: (q: string | undefined) => number, key: string) =>
        Math.max(sumOf(spec.containers, pick, key), maxOf(spec.initContainers, pick, key)) + pick(spec.overhead?.[key]);
      pods.push({ node: spec.nodeName, cpu: one(milliCpu, 'cpu'), memory: one(bytes, 'memory') });
    }
  });
  return sumCapacity(nodes, pods);
}
