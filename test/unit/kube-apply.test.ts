import { describe, expect, it } from 'vitest';
import { orderForApply, prepareManifest } from '../../src/kube/apply-plan.js';

describe('orderForApply', () => {
  it('puts Namespaces first, then CRDs, and keeps the bundle order otherwise', () => {
    const kinds = ['ConfigMap', 'ClusterRole', 'Namespace', 'CustomResourceDefinition', 'Deployment', 'Namespace'];
    const ordered = orderForApply(kinds.map((kind, i) => ({ kind, i })));
    expect(ordered.map((o) => `${o.kind}#${o.i}`)).toEqual([
      'Namespace#2',
      'Namespace#5', // two namespaces keep their relative order
      'CustomResourceDefinition#3',
      'ConfigMap#0',
      'ClusterRole#1',
      'Deployment#4',
    ]);
  });
});

describe('prepareManifest', () => {
  const cm = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 's', namespace: 'a', labels: { team: 'x' }, resourceVersion: '42', uid: 'u-1' },
  };

  it('adds the managed-by and bundle labels, keeps the others, drops server-owned fields', () => {
    const out = prepareManifest(cm, 'baseline');
    expect(out.metadata).toEqual({
      name: 's',
      namespace: 'a',
      labels: { team: 'x', 'app.kubernetes.io/managed-by': 'fleetflow', 'fleetflow.io/bundle': 'baseline' },
    });
    expect(cm.metadata.resourceVersion).toBe('42'); // the caller's object is not mutated
    expect(cm.metadata.labels).toEqual({ team: 'x' });
  });

  it('refuses a manifest without a name, naming it', () => {
    expect(() => prepareManifest({ apiVersion: 'v1', kind: 'Secret', metadata: { namespace: 'a' } }, 'b')).toThrow(
      expect.objectContaining({ type: 'InvalidManifest', message: expect.stringContaining('Secret a/?') }),
    );
  });
});
