import { describe, expect, it } from 'vitest';
import { failedReadyzChecks } from '../../src/kube/cluster-health.js';
import { skipReason } from '../../src/kube/drain.js';

describe('failedReadyzChecks', () => {
  it('names the checks /readyz?verbose marks failed', () => {
    const body = '[+]ping ok\n[-]etcd failed: reason withheld\n[+]log ok\n[-]poststarthook/rbac/bootstrap-roles failed: not finished\nreadyz check failed\n';
    expect(failedReadyzChecks(body)).toEqual(['etcd', 'poststarthook/rbac/bootstrap-roles']);
    expect(failedReadyzChecks('[+]ping ok\nreadyz check passed')).toEqual([]);
  });
});

describe('skipReason', () => {
  it('keeps mirror and DaemonSet pods on a drained node and evicts the rest', () => {
    expect(skipReason({ metadata: { annotations: { 'kubernetes.io/config.mirror': 'abc' } } })).toBe('mirror pod');
    const owned = (kind: string, controller = true) => ({ metadata: { ownerReferences: [{ apiVersion: 'apps/v1', kind, name: 'o', uid: 'u', controller }] } });
    expect(skipReason(owned('DaemonSet'))).toBe('DaemonSet-managed');
    expect(skipReason(owned('ReplicaSet'))).toBeUndefined();
    // A DaemonSet that merely owns (not controls) the pod would not recreate it.
    expect(skipReason(owned('DaemonSet', false))).toBeUndefined();
    expect(skipReason({ metadata: { name: 'bare' } })).toBeUndefined();
  });
});
