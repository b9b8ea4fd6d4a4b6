import { describe, expect, it } from 'vitest';
import {
  applyTiers,
  BundleSchema,
  describeObject,
  groupKindString,
  identityOf,
  parseGroupKind,
} from '../../src/domain/bundle/bundle.js';
import {
  applySetIdInput,
  formatGroupKinds,
  formatNamespaces,
  parentRefFor,
  parseNamespaces,
  scopeOf,
  unionScope,
} from '../../src/domain/bundle/applyset.js';
import { applySetId } from '../../src/kube/applyset.js';
import { problemsFrom } from '../../src/domain/validation.js';

const cm = (name: string, namespace = 'a') => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace } });

describe('BundleSchema', () => {
  it('fills in the options: no force, prune on, concurrency 8', () => {
    expect(BundleSchema.parse({ name: 'web', revision: '1', manifests: [] }).options).toEqual({ force: false, prune: true, concurrency: 8 });
  });

  it('lists every problem by path: name, revision, a manifest without a name, a duplicate, a preset part-of label', () => {
    const result = BundleSchema.safeParse({
      name: 'Web_1',
      revision: '',
      manifests: [
        cm('x'),
        { apiVersion: 'v1', kind: 'Secret', metadata: {} }, // no name
        cm('x'), // the same object twice
        { ...cm('y'), metadata: { name: 'y', labels: { 'applyset.kubernetes.io/part-of': 'someone-else' } } },
      ],
      options: { concurrency: 0 },
    });
    expect(result.success).toBe(false);
    const problems = problemsFrom(result.error!, 'bundle').map((p) => p.path);
    expect(problems).toEqual(
      expect.arrayContaining([
        'bundle.name',
        'bundle.revision',
        'bundle.manifests[1].metadata.name',
        'bundle.options.concurrency',
      ]),
    );
    // Refinements run only once the shape is valid: check them on a well-shaped bundle.
    const refined = BundleSchema.safeParse({
      name: 'web',
      revision: '1',
      manifests: [cm('x'), cm('x'), { ...cm('y'), metadata: { name: 'y', labels: { 'applyset.kubernetes.io/part-of': 'other' } } }],
    });
    expect(refined.error!.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['manifests.1', 'duplicates manifests[0] (ConfigMap a/x)'],
      ['manifests.2.metadata.labels.applyset.kubernetes.io/part-of', 'is set by Fleetflow and must not be in a manifest'],
    ]);
  });
});

describe('object identity', () => {
  it('names group-kinds as kubectl does and parses them back', () => {
    // The core group has no suffix; a kind never has a dot, a group usually does.
    const cases: [string, string, string][] = [
      ['', 'ConfigMap', 'ConfigMap'],
      ['apps', 'Deployment', 'Deployment.apps'],
      ['stable.example.com', 'CronTab', 'CronTab.stable.example.com'],
    ];
    for (const [group, kind, text] of cases) {
      expect(groupKindString({ group, kind })).toBe(text);
      expect(parseGroupKind(text)).toEqual({ group, kind });
    }
  });

  it('takes the group from apiVersion and describes objects for people', () => {
    const id = identityOf({ apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'n', namespace: 'jobs' } });
    expect(id).toEqual({ group: 'stable.example.com', kind: 'CronTab', namespace: 'jobs', name: 'n' });
    expect(describeObject(id)).toBe('CronTab.stable.example.com jobs/n');
    expect(describeObject({ group: 'apps', kind: 'Deployment', namespace: 'a', name: 'w' })).toBe('Deployment a/w');
    expect(describeObject({ group: '', kind: 'Namespace', name: 'a' })).toBe('Namespace a');
  });
});

describe('applyTiers', () => {
  it('puts Namespaces and CRDs first, custom resources of bundled CRDs last, the rest in between, bundle order kept', () => {
    const crd = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', spec: { group: 'x.io', names: { kind: 'Tab' } } };
    const items = [
      { apiVersion: 'x.io/v1', kind: 'Tab', n: 'tab-1' }, // CRD is in the bundle: waits
      { apiVersion: 'y.io/v1', kind: 'Other', n: 'other' }, // CRD already on the cluster: no wait
      { apiVersion: 'v1', kind: 'ConfigMap', n: 'cm' },
      { ...crd, n: 'crd' },
      { apiVersion: 'v1', kind: 'Namespace', n: 'ns' },
      { apiVersion: 'x.io/v1', kind: 'Tab', n: 'tab-2' },
    ];
    expect(applyTiers(items).map((t) => t.map((o) => o.n))).toEqual([['crd', 'ns'], ['other', 'cm'], ['tab-1', 'tab-2']]);
  });
});

describe('ApplySet (KEP-3659)', () => {
  it('computes the id from name.namespace.kind.group, as kubectl does', () => {
    // Expected values computed independently: python3 hashlib.sha256 + base64.urlsafe_b64encode, "=" stripped.
    expect(applySetIdInput(parentRefFor('web'))).toBe('applyset-web.fleetflow-system.ConfigMap.');
    expect(applySetId(parentRefFor('web'))).toBe('applyset-HAzywD47F-xE6lZIL_pB-k2wTzOb9nGwc-WtMvmPvKc-v1');
    expect(applySetId({ group: 'example.com', kind: 'CronTabSet', namespace: '', name: 'mine' })).toBe('applyset-Bn5RJLK5F61uDfothJ9jpJoVDR6oH6oRNGaA4rbPhuM-v1');
  });

  it('writes group-kinds and namespaces sorted and minimal, without the parent namespace', () => {
    expect(formatGroupKinds(['Service', 'Deployment.apps', 'ConfigMap', 'Service'])).toBe('ConfigMap,Deployment.apps,Service');
    expect(formatNamespaces(['b', 'fleetflow-system', 'a', 'b'], 'fleetflow-system')).toBe('a,b');
    expect(formatNamespaces([], 'fleetflow-system')).toBe('');
    expect(parseNamespaces('a,b', 'fleetflow-system')).toEqual(['a', 'b', 'fleetflow-system']);
    expect(parseNamespaces('', 'p')).toEqual(['p']);
  });

  it('scopes a set by its members and unions scopes', () => {
    const s = scopeOf([
      { group: 'apps', kind: 'Deployment', namespace: 'a' },
      { group: '', kind: 'Namespace' },
    ]);
    expect(s).toEqual({ groupKinds: ['Deployment.apps', 'Namespace'], namespaces: ['a'] });
    expect(unionScope(s, { groupKinds: ['ConfigMap'], namespaces: ['b'] })).toEqual({ groupKinds: ['ConfigMap', 'Deployment.apps', 'Namespace'], namespaces: ['a', 'b'] });
  });
});
