import type { ClusterHealth } from './state.js';

/**
 * The health verdict of a cluster, as a pure function of what was observed. Kept apart from
 * the probing (src/kube/cluster-health.ts) so the rules can be read and table-tested alone,
 * and so workflows may re-judge a stored observation deterministically.
 */

/** One Node as the verdict needs it. */
export interface NodeObservation {
  name: string;
  /** The Ready condition is True. */
  ready: boolean;
  /** Cordoned (spec.unschedulable): expected during a drain, so informational only. */
  unschedulable: boolean;
}

/** A kube-system Deployment or DaemonSet: how many replicas it wants and how many are available. */
export interface WorkloadObservation {
  kind: 'Deployment' | 'DaemonSet';
  name: string;
  desired: number;
  available: number;
}

/** Everything one health probe saw. `undefined` lists mean the list could not be read (see errors). */
export interface HealthObservation {
  /** The API server answered at all (any HTTP status). */
  reachable: boolean;
  /** Why it was unreachable, in the network's words. */
  unreachableReason?: string;
  /** /readyz: ok when it answered 200; failedChecks are the "[-]name" lines. */
  readyz: { ok: boolean; failedChecks: string[] };
  /** From /version, e.g. "1.35.4". */
  version?: string;
  /** "1.35" (any patch of that minor) or "1.35.4" (exactly); absent means any version. */
  expectedVersion?: string;
  nodes?: NodeObservation[];
  systemWorkloads?: WorkloadObservation[];
  /** Probes that failed although the server was reachable ("list nodes: Forbidden ..."). */
  errors: string[];
}

/** Thresholds a team may tune per cluster. */
export interface HealthPolicy {
  /**
   * Fewer Ready nodes than this is Degraded. Default 0: a control-plane-only cluster (a fresh
   * cloud cluster before its node pools, a local one whose pools have no nodes) is not unhealthy
   * for having no nodes. A team that runs workloads sets 1 or more.
   */
  minReadyNodes: number;
}

export const DEFAULT_HEALTH_POLICY: HealthPolicy = { minReadyNodes: 0 };

/** At most this many names are listed in one reason; a 500-node cluster must not flood the UI. */
const MAX_NAMES = 5;

function names(list: readonly string[]): string {
  const shown = list.slice(0, MAX_NAMES).join(', ');
  return list.length > MAX_NAMES ? `${shown} and ${list.length - MAX_NAMES} more` : shown;
}

/** True when `actual` ("1.35.4") is the `expected` release: "1.35" matches any patch, "1.35.4" only itself. */
export function versionMatches(actual: string, expected: string): boolean {
  const a = actual.replace(/^v/, '').split(/[.+-]/);
  const e = expected.replace(/^v/, '').split('.');
  return e.every((part, i) => a[i] === part);
}

/**
 * The verdict: Unreachable when the API server did not answer; Degraded, with one reason per
 * problem, when /readyz fails, the version is not the expected one, any node is NotReady,
 * fewer nodes are Ready than the policy asks, a kube-system workload has fewer available
 * replicas than desired, or a probe failed; Healthy otherwise, with the evidence as reasons.
 * Cordoned nodes are reported but never make a cluster Degraded (a drain cordons on purpose).
 *
 * @example healthVerdict({ reachable: true, readyz: { ok: true, failedChecks: [] }, version: '1.35.4',
 *   nodes: [], systemWorkloads: [], errors: [] }, new Date()) // -> { status: 'Healthy', ... }
 */
export function healthVerdict(obs: HealthObservation, now: Date, policy: HealthPolicy = DEFAULT_HEALTH_POLICY): ClusterHealth {
  const checkedAt = now.toISOString();
  if (!obs.reachable) {
    return { status: 'Unreachable', checkedAt, reasons: [`API server unreachable${obs.unreachableReason ? `: ${obs.unreachableReason}` : ''}`] };
  }
  const problems: string[] = [];
  const evidence: string[] = [];

  if (!obs.readyz.ok) {
    problems.push(obs.readyz.failedChecks.length > 0 ? `API server not ready: failed checks ${names(obs.readyz.failedChecks)}` : 'API server not ready');
  } else {
    evidence.push('API server ready');
  }

  if (!obs.version) {
    problems.push('API server version unknown');
  } else if (obs.expectedVersion && !versionMatches(obs.version, obs.expectedVersion)) {
    problems.push(`API server runs ${obs.version}, expected ${obs.expectedVersion}`);
  } else {
    evidence.push(`version ${obs.version}`);
  }

  if (obs.nodes) {
    const sorted = [...obs.nodes].sort((a, b) => a.name.localeCompare(b.name));
    const notReady = sorted.filter((n) => !n.ready).map((n) => n.name);
    const ready = sorted.length - notReady.length;
    if (notReady.length > 0) problems.push(`${notReady.length} of ${sorted.length} nodes NotReady: ${names(notReady)}`);
    if (ready < policy.minReadyNodes) problems.push(`${ready} nodes Ready, at least ${policy.minReadyNodes} required`);
    if (notReady.length === 0 && ready >= policy.minReadyNodes) {
      evidence.push(sorted.length === 0 ? 'no nodes registered (control plane only)' : `${ready}/${sorted.length} nodes Ready`);
    }
    const cordoned = sorted.filter((n) => n.unschedulable).map((n) => n.name);
    if (cordoned.length > 0) evidence.push(`${cordoned.length} nodes cordoned: ${names(cordoned)}`);
  }

  if (obs.systemWorkloads) {
    const short = [...obs.systemWorkloads]
      .filter((w) => w.available < w.desired)
      .sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name));
    for (const w of short) problems.push(`kube-system ${w.kind} ${w.name}: ${w.available}/${w.desired} available`);
    if (short.length === 0) evidence.push(`kube-system: ${obs.systemWorkloads.length} workloads available`);
  }

  problems.push(...obs.errors);
  // Degraded lists only what to fix; Healthy shows what was checked, so "Healthy" can be trusted.
  return problems.length > 0 ? { status: 'Degraded', checkedAt, reasons: problems } : { status: 'Healthy', checkedAt, reasons: evidence };
}
