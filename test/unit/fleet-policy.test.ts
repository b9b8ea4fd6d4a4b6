import { describe, expect, it } from 'vitest';
import { fanOut, fanOutSelectors, FOR_NAMESPACES_ANNOTATION } from '../../src/domain/bundle/namespace-fanout.js';
import { BundleSchema, type BundleManifest } from '../../src/domain/bundle/bundle.js';
import { compileFleetPolicy, compilePolicy, fnv1a64, policyBundleName, teamAccessTemplate } from '../../src/domain/policy/compile.js';
import { FleetPolicySchema, PolicySchema, type FleetPolicyInput } from '../../src/domain/policy/fleet-policy.js';
import { describeProblems, parseWith } from '../../src/domain/validation.js';

const vap = { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', metadata: { name: 'no-latest' }, spec: { validations: [{ expression: 'true' }] } };
const base: FleetPolicyInput = { name: 'guardrails', selector: { environments: ['prod'] }, policies: [{ name: 'admission', mode: 'enforce', objects: [vap] }] };
const problems = (input: unknown) => {
  const r = parseWith(FleetPolicySchema, input, '');
  return r.ok ? '' : describeProblems(r.problems);
};

describe('the FleetPolicy file', () => {
  it('accepts a small file and fills in the defaults: canary-first rollout without gates, evaluated every 5 minutes', () => {
    const fp = FleetPolicySchema.parse(base);
    expect(fp.rollout.generate).toMatchObject({ canary: 1, steps: ['100%'], canaryApproval: 'none' });
    expect(fp.evaluateEvery).toBe(300_000);
    expect(fp.policies[0]).toMatchObject({ objects: [vap], teamAccess: [] });
  });

  it.each([
    // each mistake is named by its path, and the whole file is refused
    ['a workload kind', { ...base, policies: [{ name: 'x', mode: 'enforce', objects: [{ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' } }] }] },
      'policies[0].objects[0].kind: Deployment of apps/v1 is not a policy kind; a policy holds only Role, ClusterRole, RoleBinding, ClusterRoleBinding, ValidatingAdmissionPolicy, ValidatingAdmissionPolicyBinding, NetworkPolicy, ResourceQuota, LimitRange, Namespace (workloads go in a bundle rollout)'],
    ['a Secret (never in history)', { ...base, policies: [{ name: 'x', mode: 'inform', objects: [{ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' } }] }] }, 'policies[0].objects[0].kind: Secret of v1 is not a policy kind'],
    ['a policy kind in the wrong group', { ...base, policies: [{ name: 'x', mode: 'inform', objects: [{ apiVersion: 'example.com/v1', kind: 'Role', metadata: { name: 'r' } }] }] }, 'policies[0].objects[0].kind: Role of example.com/v1 is not a policy kind'],
    ['an unknown mode', { ...base, policies: [{ name: 'x', mode: 'audit', objects: [vap] }] }, 'policies[0].mode: must be one of: enforce, inform'],
    ['an empty policy', { ...base, policies: [{ name: 'x', mode: 'inform' }] }, 'policies[0].objects: a policy needs at least one object or teamAccess entry'],
    ['two policies of one name', { ...base, policies: [base.policies[0], base.policies[0]] }, 'policies[1].name: policy admission is also policies[0]'],
    ['the same object twice', { ...base, policies: [{ name: 'x', mode: 'inform', objects: [vap, vap] }] }, 'policies[0].objects[1]: duplicates objects[0] (ValidatingAdmissionPolicy.admissionregistration.k8s.io no-latest)'],
    ['a name too long for a bundle name', { ...base, name: 'a-very-long-fleet-policy-name' }, 'name: must be at most 20 characters'],
    ['a name with dots', { ...base, policies: [{ name: 'a.b', mode: 'inform', objects: [vap] }] }, 'policies[0].name: must be lowercase letters'],
    ['team access to every namespace', { ...base, policies: [{ name: 't', mode: 'enforce', teamAccess: [{ group: 'devs', role: 'view', namespaceSelector: {} }] }] }, 'policies[0].teamAccess[0].namespaceSelector: must name at least one label'],
    ['a group with a slash', { ...base, policies: [{ name: 't', mode: 'enforce', teamAccess: [{ group: 'a/b', role: 'view', namespaceSelector: { team: 'a' } }] }] }, 'policies[0].teamAccess[0].group: must not contain "/" or "%"'],
    ['a bad selector', { ...base, selector: { environment: 'prod' } }, 'selector: Unrecognized key: "environment"'],
    ['no policies', { ...base, policies: [] }, 'policies: must have at least one policy'],
  ])('refuses %s', (_why, input, message) => {
    expect(problems(input)).toContain(message);
  });
});

describe('compiling a policy to a bundle', () => {
  it('names the bundle policy-<fleetpolicy>-<policy> and labels every object with the policy', () => {
    const [c] = compileFleetPolicy(FleetPolicySchema.parse(base));
    expect(c!.bundle.name).toBe('policy-guardrails-admission');
    expect(c!.bundle.manifests[0]!.metadata.labels).toEqual({ 'fleetflow.io/policy': 'guardrails.admission' });
    expect(c!.bundle.options).toEqual({ force: true, prune: true, concurrency: 8 });
    expect(BundleSchema.safeParse(c!.bundle).success).toBe(true);
    // the longest names still make a valid bundle name
    expect(BundleSchema.shape.name.safeParse(policyBundleName('a'.repeat(20), 'b'.repeat(24))).success).toBe(true);
  });

  it('gives the same content the same revision, and a changed mode or object a new one', () => {
    const p = PolicySchema.parse(base.policies[0]);
    const r = compilePolicy('guardrails', p).bundle.revision;
    expect(r).toMatch(/^p-[0-9a-f]{16}$/);
    expect(compilePolicy('guardrails', PolicySchema.parse(base.policies[0])).bundle.revision).toBe(r);
    expect(compilePolicy('guardrails', { ...p, mode: 'inform' }).bundle.revision).not.toBe(r);
    expect(compilePolicy('guardrails', { ...p, objects: [{ ...vap, spec: { validations: [] } }] }).bundle.revision).not.toBe(r);
    // FNV-1a 64 test vectors
    expect(fnv1a64('')).toBe('cbf29ce484222325');
    expect(fnv1a64('a')).toBe('af63dc4c8601ec8c');
  });

  it('turns a teamAccess entry into a RoleBinding template for the namespaces labelled for the team', () => {
    expect(teamAccessTemplate({ group: 'payments-devs', role: 'view', roleKind: 'ClusterRole', namespaceSelector: { tier: 'web', team: 'payments' } })).toEqual({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'team:payments-devs:view', annotations: { [FOR_NAMESPACES_ANNOTATION]: 'team=payments,tier=web' } },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'payments-devs' }],
    });
  });
});

describe('namespace fan-out (per cluster, at apply time)', () => {
  const tmpl = (selector: string, name = 'team:a:view'): BundleManifest => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name, annotations: { [FOR_NAMESPACES_ANNOTATION]: selector, keep: 'me' } } });
  const plain: BundleManifest = { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q', namespace: 'x' } };

  it('lists each distinct selector once', () => {
    expect(fanOutSelectors([tmpl('team=b'), plain, tmpl('team=a', 'other'), tmpl('team=b', 'third')])).toEqual(['team=a', 'team=b']);
  });

  it.each([
    // why each case
    ['one copy per matching namespace, in order, the annotation dropped', [tmpl('team=a')], { 'team=a': ['a-dev', 'a-prod'] }, ['RoleBinding a-dev/team:a:view', 'RoleBinding a-prod/team:a:view']],
    ['no namespace labelled for the team: no binding at all', [tmpl('team=a')], { 'team=a': [] }, []],
    ['ordinary manifests stay as they are', [plain, tmpl('team=a')], { 'team=a': ['a'] }, ['ResourceQuota x/q', 'RoleBinding a/team:a:view']],
  ])('%s', (_why, manifests, namespaces, expected) => {
    const out = fanOut(manifests, namespaces);
    expect(out.map((m) => `${m.kind} ${m.metadata.namespace}/${m.metadata.name}`)).toEqual(expected);
    for (const m of out) expect(m.metadata.annotations?.[FOR_NAMESPACES_ANNOTATION]).toBeUndefined();
    if (out[0]?.kind === 'RoleBinding') expect(out[0].metadata.annotations).toEqual({ keep: 'me' });
  });

  it('refuses a template that names a namespace, and a copy that collides with another manifest', () => {
    expect(() => fanOut([{ ...tmpl('team=a'), metadata: { ...tmpl('team=a').metadata, namespace: 'n' } }], {})).toThrow('RoleBinding n/team:a:view: a fleetflow.io/for-namespaces template must not name a namespace');
    const explicit: BundleManifest = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'team:a:view', namespace: 'a' } };
    expect(() => fanOut([explicit, tmpl('team=a')], { 'team=a': ['a'] })).toThrow('RoleBinding a/team:a:view appears twice once namespace templates are expanded');
  });
});
