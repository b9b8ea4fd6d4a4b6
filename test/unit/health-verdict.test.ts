import { describe, expect, it } from 'vitest';
import { healthVerdict, versionMatches, type HealthObservation } from '../../src/domain/cluster/health-verdict.js';

const now = new Date('2026-11-25T12:00:00Z');
/** A cluster with nothing wrong: ready API server, the expected version, 3 Ready nodes, coredns and kube-proxy up. */
const healthy: HealthObservation = {
  reachable: true,
  readyz: { ok: true, failedChecks: [] },
  version: '1.35.4',
  expectedVersion: '1.35',
  nodes: [
    { name: 'n3', ready: true, unschedulable: false },
    { name: 'n1', ready: true, unschedulable: false },
    { name: 'n2', ready: true, unschedulable: false },
  ],
  systemWorkloads: [
    { kind: 'Deployment', name: 'coredns', desired: 2, available: 2 },
    { kind: 'DaemonSet', name: 'kube-proxy', desired: 3, available: 3 },
  ],
  errors: [],
};
const node = (name: string, ready = true, unschedulable = false) => ({ name, ready, unschedulable });

describe('healthVerdict', () => {
  it.each<[string, Partial<HealthObservation>, string, string[]]>([
    // Healthy: the reasons are the evidence, so a green light can be trusted.
    ['everything fine', {}, 'Healthy', ['API server ready', 'version 1.35.4', '3/3 nodes Ready', 'kube-system: 2 workloads available']],
    ['a control-plane-only cluster (no nodes, no system workloads) is not degraded', { nodes: [], systemWorkloads: [] }, 'Healthy',
      ['API server ready', 'version 1.35.4', 'no nodes registered (control plane only)', 'kube-system: 0 workloads available']],
    ['a cordoned node is reported but is not a problem (a drain cordons on purpose)', { nodes: [node('n1'), node('n2', true, true)] }, 'Healthy',
      ['API server ready', 'version 1.35.4', '2/2 nodes Ready', '1 nodes cordoned: n2', 'kube-system: 2 workloads available']],
    ['no expected version accepts any version', { expectedVersion: undefined, version: '1.36.3' }, 'Healthy',
      ['API server ready', 'version 1.36.3', '3/3 nodes Ready', 'kube-system: 2 workloads available']],
    ['a workload scaled to zero wants nothing', { systemWorkloads: [{ kind: 'Deployment', name: 'metrics', desired: 0, available: 0 }] }, 'Healthy',
      ['API server ready', 'version 1.35.4', '3/3 nodes Ready', 'kube-system: 1 workloads available']],
    // Degraded: only the problems are listed, one reason each.
    ['a NotReady node is named', { nodes: [node('n1'), node('n2', false)] }, 'Degraded', ['1 of 2 nodes NotReady: n2']],
    ['many NotReady nodes are capped at five names', { nodes: ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((n) => node(n, false)) }, 'Degraded',
      ['7 of 7 nodes NotReady: a, b, c, d, e and 2 more']],
    ['a kube-system Deployment short of replicas', { systemWorkloads: [{ kind: 'Deployment', name: 'coredns', desired: 2, available: 1 }] }, 'Degraded',
      ['kube-system Deployment coredns: 1/2 available']],
    ['a DaemonSet with no pod available', { systemWorkloads: [{ kind: 'DaemonSet', name: 'kube-proxy', desired: 3, available: 0 }] }, 'Degraded',
      ['kube-system DaemonSet kube-proxy: 0/3 available']],
    ['failed readyz checks are named', { readyz: { ok: false, failedChecks: ['etcd', 'etcd-readiness'] } }, 'Degraded',
      ['API server not ready: failed checks etcd, etcd-readiness']],
    ['another minor than expected (mid-upgrade or skipped)', { version: '1.34.2' }, 'Degraded', ['API server runs 1.34.2, expected 1.35']],
    ['an exact expected patch must match exactly', { expectedVersion: '1.35.3' }, 'Degraded', ['API server runs 1.35.4, expected 1.35.3']],
    ['an unknown version is a problem', { version: undefined }, 'Degraded', ['API server version unknown']],
    ['a probe that failed is a reason, and the unknown list is not judged',
      { nodes: undefined, errors: ['list nodes: GET /api/v1/nodes: forbidden (HTTP 403)'] }, 'Degraded', ['list nodes: GET /api/v1/nodes: forbidden (HTTP 403)']],
    ['several problems are all listed, in a stable order',
      { nodes: [node('n1', false)], systemWorkloads: [{ kind: 'Deployment', name: 'b', desired: 1, available: 0 }, { kind: 'DaemonSet', name: 'a', desired: 1, available: 0 }] },
      'Degraded', ['1 of 1 nodes NotReady: n1', 'kube-system DaemonSet a: 0/1 available', 'kube-system Deployment b: 0/1 available']],
    // Unreachable wins over everything else.
    ['the API server did not answer', { reachable: false, unreachableReason: 'connect ECONNREFUSED 127.0.0.1:6443' }, 'Unreachable',
      ['API server unreachable: connect ECONNREFUSED 127.0.0.1:6443']],
  ])('%s', (_why, change, status, reasons) => {
    expect(healthVerdict({ ...healthy, ...change }, now)).toEqual({ status, checkedAt: '2026-11-25T12:00:00.000Z', reasons });
  });

  it('applies a minimum of Ready nodes when the policy asks for one', () => {
    expect(healthVerdict({ ...healthy, nodes: [] }, now, { minReadyNodes: 1 })).toMatchObject({
      status: 'Degraded',
      reasons: ['0 nodes Ready, at least 1 required'],
    });
    expect(healthVerdict(healthy, now, { minReadyNodes: 3 }).status).toBe('Healthy');
  });
});

describe('versionMatches', () => {
  it.each([
    ['1.35.4', '1.35', true],
    ['v1.35.4', '1.35', true],
    ['1.35.4', '1.35.4', true],
    ['1.35.4', '1.3', false], // a minor is compared whole, not as a prefix
    ['1.35.4', '1.36', false],
    ['1.35.4', '1.35.3', false],
  ])('%s against %s: %s', (actual, expected, result) => {
    expect(versionMatches(actual, expected)).toBe(result);
  });
});
