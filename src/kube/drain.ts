import type { ApiException, V1Pod } from '@kubernetes/client-node';
import { isApiException, kube } from './library.js';
import { PermanentError } from '../errors.js';
import type { ClusterCredentials } from './credentials.js';
import { kubeConfigFor } from './client.js';
import { isNotFound, kubeError } from './errors.js';

/**
 * Cordon, drain and uncordon, as `kubectl drain` does them: evictions go through the
 * policy/v1 Eviction subresource so the API server enforces PodDisruptionBudgets, and a 429
 * ("would violate the pod's disruption budget") means wait and try again, not fail.
 */

/** Annotation the kubelet puts on the API mirror of a static pod; evicting a mirror does nothing. */
const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';

/** One pod that was not evicted, and why. */
export interface SkippedPod {
  pod: string;
  reason: 'mirror pod' | 'DaemonSet-managed';
}

/** A pod whose eviction the API server refused for now, with its words (names the PDB). */
export interface BlockedPod {
  pod: string;
  message: string;
}

/** What a drain reports as it goes (for heartbeats and logs). */
export interface DrainProgress {
  node: string;
  /** Pods evicted and gone. */
  evicted: number;
  /** Pods still on the node that must go: blocked, or evicted but still terminating. */
  remaining: number;
  /** Evictions refused by a PodDisruptionBudget in the last round. */
  waitingOn: BlockedPod[];
  /** Evicted pods that still exist (graceful termination, done by the kubelet). */
  terminating: string[];
}

export interface DrainOptions {
  /** How long the whole drain may take, from the call; past it the drain fails with DrainTimedOut. */
  deadlineMs: number;
  /**
   * Passed to the eviction's DeleteOptions. Default: each pod's own terminationGracePeriodSeconds.
   * 0 deletes at once without waiting for the kubelet (pods are gone when the eviction returns).
   */
  gracePeriodSeconds?: number;
  /** Wait between rounds (retrying blocked evictions, checking terminating pods). Default 5 s, as kubectl. */
  retryIntervalMs?: number;
  onProgress?: (progress: DrainProgress) => void;
  /** Aborting stops the drain between calls (activity cancellation); the node stays cordoned. */
  signal?: AbortSignal;
}

export interface DrainResult {
  node: string;
  /** "namespace/name" of every pod evicted (and gone), in the order they went. */
  evicted: string[];
  skipped: SkippedPod[];
}

const coreApi = (creds: ClusterCredentials) => kubeConfigFor(creds).makeApiClient(kube().CoreV1Api);

/** Bound on one API call: the typed client has no timeout, and a hung call must not outlive the deadline. */
const CALL_TIMEOUT_MS = 30_000;

/** Rejects with a network-style ETIMEDOUT (transient) when `call` takes longer than CALL_TIMEOUT_MS. */
function timed<T>(what: string, call: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`${what} timed out after ${CALL_TIMEOUT_MS} ms`), { code: 'ETIMEDOUT' })), CALL_TIMEOUT_MS);
  });
  return Promise.race([call, timeout]).finally(() => clearTimeout(timer));
}
const podKey = (p: V1Pod) => `${p.metadata?.namespace}/${p.metadata?.name}`;

async function setUnschedulable(creds: ClusterCredentials, node: string, value: boolean): Promise<{ node: string; wasUnschedulable: boolean }> {
  const api = coreApi(creds);
  const what = `${value ? 'cordon' : 'uncordon'} Node ${node}`;
  try {
    const before = await timed(what, api.readNode({ name: node }));
    const was = before.spec?.unschedulable === true;
    // JSON patch "add" sets the field whether or not it exists; unchanged nodes are not written.
    if (was !== value) await timed(what, api.patchNode({ name: node, body: [{ op: 'add', path: '/spec/unschedulable', value }] }));
    return { node, wasUnschedulable: was };
  } catch (e) {
    throw kubeError(e, what);
  }
}

/**
 * Marks a node unschedulable. Idempotent; `wasUnschedulable` tells a caller whether someone had
 * cordoned it already (and so whether undoing should uncordon it).
 */
export function cordon(creds: ClusterCredentials, node: string): Promise<{ node: string; wasUnschedulable: boolean }> {
  return setUnschedulable(creds, node, true);
}

/** Makes a node schedulable again (the undo of cordon). Idempotent. */
export function uncordon(creds: ClusterCredentials, node: string): Promise<{ node: string; wasUnschedulable: boolean }> {
  return setUnschedulable(creds, node, false);
}

/** Why a pod stays on a drained node, or undefined when it must be evicted. */
export function skipReason(pod: V1Pod): SkippedPod['reason'] | undefined {
  if (pod.metadata?.annotations?.[MIRROR_ANNOTATION] !== undefined) return 'mirror pod';
  // A DaemonSet's controller would put the pod straight back (it tolerates unschedulable).
  if (pod.metadata?.ownerReferences?.some((o) => o.controller && o.kind === 'DaemonSet')) return 'DaemonSet-managed';
  return undefined;
}

/** The API server's own words for a refused eviction, including the PDB cause when it gives one. */
function refusal(e: ApiException<unknown>): string {
  try {
    const body = (typeof e.body === 'string' ? JSON.parse(e.body) : e.body) as { message?: string; details?: { causes?: { message?: string }[] } };
    return [body.message, ...(body.details?.causes?.map((c) => c.message) ?? [])].filter(Boolean).join(' ') || `HTTP ${e.code}`;
  } catch {
    return `HTTP ${e.code}`;
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Cordons `node`, then evicts every pod on it except DaemonSet-managed and mirror pods, and
 * waits until the evicted pods are gone. Evictions a PodDisruptionBudget refuses (HTTP 429)
 * are retried every retryIntervalMs until the deadline; then the drain fails with a
 * PermanentError `DrainTimedOut` naming the blocked pods with the server's message (the PDB)
 * and the pods still terminating. Pods without a controller are evicted too: the node is
 * going away, and a drain that stopped at them would never finish (kubectl needs --force).
 * Safe to repeat: a second drain of a drained node finds nothing to evict.
 *
 * @example await drainNode(creds, 'pool-a-1', { deadlineMs: 10 * 60_000, onProgress: (p) => heartbeat(p) });
 */
export async function drainNode(creds: ClusterCredentials, node: string, opts: DrainOptions): Promise<DrainResult> {
  const deadline = Date.now() + opts.deadlineMs;
  const interval = opts.retryIntervalMs ?? 5_000;
  const api = coreApi(creds);
  await cordon(creds, node);

  let pods: V1Pod[];
  try {
    pods = (await timed(`list Pods on Node ${node}`, api.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${node}` }))).items;
  } catch (e) {
    throw kubeError(e, `list Pods on Node ${node}`);
  }
  const skipped: SkippedPod[] = [];
  /** Pods that must go, by key, with the uid that identifies this incarnation. */
  const toEvict = new Map<string, { namespace: string; name: string; uid?: string }>();
  for (const pod of [...pods].sort((a, b) => podKey(a).localeCompare(podKey(b)))) {
    const reason = skipReason(pod);
    if (reason) skipped.push({ pod: podKey(pod), reason });
    else toEvict.set(podKey(pod), { namespace: pod.metadata!.namespace!, name: pod.metadata!.name!, ...(pod.metadata?.uid ? { uid: pod.metadata.uid } : {}) });
  }

  const accepted = new Set<string>();
  const evicted: string[] = [];
  for (;;) {
    opts.signal?.throwIfAborted();
    const waitingOn: BlockedPod[] = [];
    for (const [key, pod] of toEvict) {
      if (accepted.has(key)) continue;
      try {
        await timed(`evict Pod ${key}`, api.createNamespacedPodEviction({
          name: pod.name,
          namespace: pod.namespace,
          body: {
            apiVersion: 'policy/v1',
            kind: 'Eviction',
            metadata: { name: pod.name, namespace: pod.namespace },
            ...(opts.gracePeriodSeconds !== undefined ? { deleteOptions: { gracePeriodSeconds: opts.gracePeriodSeconds } } : {}),
          },
        }));
        accepted.add(key);
      } catch (e) {
        if (isNotFound(e)) accepted.add(key); // already gone: what eviction wanted
        else if (isApiException(e) && e.code === 429) waitingOn.push({ pod: key, message: refusal(e) });
        else throw kubeError(e, `evict Pod ${key} from Node ${node}`);
      }
    }

    // An evicted pod is gone when reading it says 404 or finds a new pod under the same name.
    const terminating: string[] = [];
    for (const key of accepted) {
      const pod = toEvict.get(key)!;
      let gone: boolean;
      try {
        const current = await timed(`read Pod ${key}`, api.readNamespacedPod({ name: pod.name, namespace: pod.namespace }));
        gone = !!pod.uid && current.metadata?.uid !== pod.uid;
      } catch (e) {
        if (!isNotFound(e)) throw kubeError(e, `read Pod ${key}`);
        gone = true;
      }
      if (gone) {
        evicted.push(key);
        toEvict.delete(key);
        accepted.delete(key);
      } else {
        terminating.push(key);
      }
    }

    opts.onProgress?.({ node, evicted: evicted.length, remaining: toEvict.size, waitingOn, terminating });
    if (toEvict.size === 0) return { node, evicted, skipped };
    const left = deadline - Date.now();
    if (left <= 0) throw timedOut(node, opts.deadlineMs, evicted, waitingOn, terminating);
    // The last wait is cut to the deadline, so the final round runs at the deadline itself.
    await sleep(Math.min(interval, left), opts.signal);
  }
}

function timedOut(node: string, deadlineMs: number, evicted: string[], waitingOn: BlockedPod[], terminating: string[]): PermanentError {
  const parts = [`drain of Node ${node} did not finish within ${Math.round(deadlineMs / 1000)} s`];
  if (waitingOn.length > 0) parts.push(`eviction refused for ${waitingOn.map((b) => `${b.pod} (${b.message})`).join(', ')}`);
  if (terminating.length > 0) parts.push(`still terminating: ${terminating.join(', ')}`);
  parts.push(`evicted ${evicted.length} pods; the node stays cordoned`);
  // Permanent: the drain already waited its whole deadline; a blind retry would only wait again.
  // The workflow decides (raise the budget, ask an operator, or uncordon and give up).
  return new PermanentError(parts.join('; '), 'DrainTimedOut');
}
