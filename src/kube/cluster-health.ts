import type { V1DaemonSetList, V1DeploymentList, V1NodeList } from '@kubernetes/client-node';
import { apiException } from './library.js';
import type { ClusterHealth } from '../domain/cluster/state.js';
import { DEFAULT_HEALTH_POLICY, healthVerdict, type HealthObservation, type HealthPolicy, type NodeObservation, type WorkloadObservation } from '../domain/cluster/health-verdict.js';
import { messageOf } from '../errors.js';
import type { ClusterCredentials } from './credentials.js';
import { kubeError } from './errors.js';
import { apiGet } from './health.js';

/**
 * Gathers a HealthObservation with plain GETs (each with its own timeout, so one slow list
 * cannot hang the probe) and judges it with the pure healthVerdict. Never throws for the
 * cluster's sake: an unreachable server is an Unreachable verdict, a failed list is a reason.
 */

export interface ProbeOptions {
  /** Per request; default 5 s. */
  timeoutMs?: number;
  /** "1.35" or "1.35.4": a different server version makes the cluster Degraded. */
  expectedVersion?: string;
}

/** Nodes per LIST page: bounded responses on big clusters. */
const PAGE = 500;

async function getJson<T>(creds: ClusterCredentials, path: string, timeoutMs: number): Promise<T> {
  const res = await apiGet(creds, path, timeoutMs);
  if (res.status !== 200) throw kubeError(apiException(res.status, 'GET', res.body, {}), `GET ${path.split('?')[0]}`);
  return JSON.parse(res.body) as T;
}

/** "[-]etcd failed: reason withheld" -> "etcd". */
export function failedReadyzChecks(body: string): string[] {
  return body
    .split('\n')
    .map((line) => /^\[-\](\S+)/.exec(line.trim())?.[1])
    .filter((c): c is string => !!c);
}

async function listNodes(creds: ClusterCredentials, timeoutMs: number): Promise<NodeObservation[]> {
  const nodes: NodeObservation[] = [];
  let next: string | undefined;
  do {
    const query = `limit=${PAGE}${next ? `&continue=${encodeURIComponent(next)}` : ''}`;
    const page = await getJson<V1NodeList>(creds, `/api/v1/nodes?${query}`, timeoutMs);
    for (const n of page.items) {
      const ready = n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
      nodes.push({ name: n.metadata?.name ?? '?', ready, unschedulable: n.spec?.unschedulable === true });
    }
    next = page.metadata?._continue || undefined;
  } while (next);
  return nodes;
}

async function listSystemWorkloads(creds: ClusterCredentials, timeoutMs: number): Promise<WorkloadObservation[]> {
  const [deployments, daemonSets] = await Promise.all([
    getJson<V1DeploymentList>(creds, '/apis/apps/v1/namespaces/kube-system/deployments', timeoutMs),
    getJson<V1DaemonSetList>(creds, '/apis/apps/v1/namespaces/kube-system/daemonsets', timeoutMs),
  ]);
  return [
    ...deployments.items.map((d): WorkloadObservation => ({
      kind: 'Deployment',
      name: d.metadata?.name ?? '?',
      // spec.replicas defaults to 1 on the server; a scaled-to-zero Deployment wants nothing.
      desired: d.spec?.replicas ?? 1,
      available: d.status?.availableReplicas ?? 0,
    })),
    ...daemonSets.items.map((d): WorkloadObservation => ({
      kind: 'DaemonSet',
      name: d.metadata?.name ?? '?',
      desired: d.status?.desiredNumberScheduled ?? 0,
      available: d.status?.numberAvailable ?? 0,
    })),
  ];
}

/**
 * Looks at the cluster: /readyz?verbose, /version, every Node, and the Deployments and
 * DaemonSets in kube-system. Never throws.
 */
export async function observeCluster(creds: ClusterCredentials, opts: ProbeOptions = {}): Promise<HealthObservation> {
  const timeoutMs = opts.timeoutMs ?? 5_000;
  const expected = opts.expectedVersion ? { expectedVersion: opts.expectedVersion } : {};
  let readyz: { status: number; body: string };
  try {
    readyz = await apiGet(creds, '/readyz?verbose', timeoutMs);
  } catch (e) {
    return { reachable: false, unreachableReason: messageOf(e), readyz: { ok: false, failedChecks: [] }, errors: [], ...expected };
  }
  const errors: string[] = [];
  if (readyz.status === 401 || readyz.status === 403) errors.push(`GET /readyz: HTTP ${readyz.status} ${readyz.body.trim().slice(0, 200)}`);
  // Each probe records its own failure and carries on: one forbidden list must not hide the rest.
  const attempt = async <T>(what: string, probe: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await probe();
    } catch (e) {
      errors.push(`${what}: ${messageOf(e)}`);
      return undefined;
    }
  };
  const [version, nodes, systemWorkloads] = await Promise.all([
    attempt('read version', async () => {
      const v = (await getJson<{ gitVersion?: string }>(creds, '/version', timeoutMs)).gitVersion;
      return v?.replace(/^v/, '');
    }),
    attempt('list nodes', () => listNodes(creds, timeoutMs)),
    attempt('list kube-system workloads', () => listSystemWorkloads(creds, timeoutMs)),
  ]);
  return {
    reachable: true,
    readyz: { ok: readyz.status === 200, failedChecks: failedReadyzChecks(readyz.body) },
    ...(version ? { version } : {}),
    ...expected,
    ...(nodes ? { nodes } : {}),
    ...(systemWorkloads ? { systemWorkloads } : {}),
    errors,
  };
}

/** Health of a cluster with its evidence: the verdict plus what it was judged on. */
export interface ClusterHealthReport extends ClusterHealth {
  version?: string;
  nodes: { ready: number; total: number };
}

/**
 * Observes and judges one cluster. Never throws: Unreachable when the API server does not
 * answer (stopped, network), Degraded with reasons, or Healthy with the evidence.
 *
 * @example const h = await checkClusterHealth(creds, { expectedVersion: '1.35' }); h.status // 'Healthy'
 */
export async function checkClusterHealth(
  creds: ClusterCredentials,
  opts: ProbeOptions & { policy?: HealthPolicy; now?: () => Date } = {},
): Promise<ClusterHealthReport> {
  const obs = await observeCluster(creds, opts);
  const verdict = healthVerdict(obs, (opts.now ?? (() => new Date()))(), opts.policy ?? DEFAULT_HEALTH_POLICY);
  return {
    ...verdict,
    ...(obs.version ? { version: obs.version } : {}),
    nodes: { ready: obs.nodes?.filter((n) => n.ready).length ?? 0, total: obs.nodes?.length ?? 0 },
  };
}
