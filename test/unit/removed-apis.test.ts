import { describe, expect, it } from 'vitest';
import { ApiScanInputSchema, DrainInputSchema } from '../../src/domain/cluster/kube-operation-inputs.js';
import { compareMinor, describeFinding, REMOVED_APIS, removedApisUpTo, scanManifests } from '../../src/domain/upgrade/removed-apis.js';

const m = (apiVersion: string, kind: string, name = 'x', namespace?: string) => ({ apiVersion, kind, metadata: { name, ...(namespace ? { namespace } : {}) } });

describe('the removed-API table', () => {
  it('has one entry per apiVersion and kind, each with a release version', () => {
    const keys = REMOVED_APIS.map((r) => `${r.apiVersion} ${r.kind}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const r of REMOVED_APIS) expect(r.removedIn).toMatch(/^1\.\d+$/);
  });

  it.each([
    // The releases the official deprecation guide lists, with one landmark each.
    ['extensions/v1beta1', 'Deployment', '1.16'],
    ['apps/v1beta2', 'DaemonSet', '1.16'],
    ['networking.k8s.io/v1beta1', 'Ingress', '1.22'],
    ['apiextensions.k8s.io/v1beta1', 'CustomResourceDefinition', '1.22'],
    ['batch/v1beta1', 'CronJob', '1.25'],
    ['policy/v1beta1', 'PodDisruptionBudget', '1.25'],
    ['autoscaling/v2beta2', 'HorizontalPodAutoscaler', '1.26'],
    ['storage.k8s.io/v1beta1', 'CSIStorageCapacity', '1.27'],
    ['flowcontrol.apiserver.k8s.io/v1beta2', 'FlowSchema', '1.29'],
    ['flowcontrol.apiserver.k8s.io/v1beta3', 'PriorityLevelConfiguration', '1.32'],
  ])('%s %s is removed in %s', (apiVersion, kind, removedIn) => {
    expect(REMOVED_APIS.find((r) => r.apiVersion === apiVersion && r.kind === kind)?.removedIn).toBe(removedIn);
  });
});

describe('removedApisUpTo', () => {
  it('includes removals in the target release itself and before it, not after', () => {
    const at125 = removedApisUpTo('1.25');
    expect(at125.some((r) => r.apiVersion === 'batch/v1beta1')).toBe(true); // in 1.25 itself
    expect(at125.some((r) => r.removedIn === '1.16')).toBe(true);
    expect(at125.some((r) => r.apiVersion === 'autoscaling/v2beta2')).toBe(false); // 1.26
    expect(removedApisUpTo('1.15')).toEqual([]);
  });

  it('ignores the patch and a leading v, and orders 1.9 before 1.16 numerically', () => {
    expect(removedApisUpTo('v1.25.9')).toEqual(removedApisUpTo('1.25'));
    expect(compareMinor('1.9', '1.16')).toBeLessThan(0);
    expect(compareMinor('1.36.3', '1.36')).toBe(0);
  });
});

describe('scanManifests', () => {
  it('finds the manifests a target release refuses, with the fix, in input order', () => {
    const bundle = [
      m('networking.k8s.io/v1beta1', 'Ingress', 'web', 'shop'),
      m('apps/v1', 'Deployment', 'web', 'shop'), // current: fine
      m('batch/v1beta1', 'CronJob', 'report', 'shop'),
      m('autoscaling/v2beta2', 'HorizontalPodAutoscaler', 'web', 'shop'), // removed only in 1.26
      { kind: 'ConfigMap' }, // no apiVersion: not judged here
    ];
    const found = scanManifests(bundle, '1.25');
    expect(found).toEqual([
      { apiVersion: 'networking.k8s.io/v1beta1', kind: 'Ingress', namespace: 'shop', name: 'web', removedIn: '1.22', replacement: 'networking.k8s.io/v1', source: 'manifest' },
      { apiVersion: 'batch/v1beta1', kind: 'CronJob', namespace: 'shop', name: 'report', removedIn: '1.25', replacement: 'batch/v1', source: 'manifest' },
    ]);
    expect(describeFinding(found[0]!)).toBe('Ingress shop/web uses networking.k8s.io/v1beta1: removed in 1.22; use networking.k8s.io/v1');
    expect(scanManifests(bundle, '1.26')).toHaveLength(3);
  });

  it('matches the kind too: the same group/version may be removed for one kind and not another', () => {
    // policy/v1beta1 PodSecurityPolicy has no replacement; an unknown kind at that version is not in the table.
    expect(scanManifests([m('policy/v1beta1', 'PodSecurityPolicy'), m('policy/v1beta1', 'Widget')], '1.25')).toEqual([
      { apiVersion: 'policy/v1beta1', kind: 'PodSecurityPolicy', name: 'x', removedIn: '1.25', source: 'manifest' },
    ]);
  });
});

describe('input schemas of the in-cluster activities', () => {
  const target = { name: 'web-1', provider: 'local', region: 'local' };

  it('lists every problem of a bad drain input by path', () => {
    const r = DrainInputSchema.safeParse({ target: { ...target, name: 'Web_1' }, node: 'Node A', deadlineSeconds: 0 });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path.join('.')).sort()).toEqual(['deadlineSeconds', 'node', 'target.name']);
  });

  it('defaults a drain to a 10-minute deadline and 5 s between retries', () => {
    expect(DrainInputSchema.parse({ target, node: 'pool-a-1.eu' })).toMatchObject({ deadlineSeconds: 600, retryIntervalSeconds: 5 });
  });

  it('refuses a target version that is not a release', () => {
    expect(ApiScanInputSchema.safeParse({ target, targetVersion: 'latest' }).success).toBe(false);
    expect(ApiScanInputSchema.parse({ target, targetVersion: 'v1.36' })).toMatchObject({ targetVersion: '1.36', manifests: [] });
  });
});
