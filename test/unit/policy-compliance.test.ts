import { describe, expect, it } from 'vitest';
import { compileFleetPolicy } from '../../src/domain/policy/compile.js';
import { complianceChanges, complianceVerdict, matrixMarkdown, type ClusterEvaluation, type PolicyEvaluation, type VerdictInput } from '../../src/domain/policy/compliance.js';
import { FleetPolicySchema, type FleetPolicyInput } from '../../src/domain/policy/fleet-policy.js';
import { clustersToRepair, matrixOf, newPolicyState, nextRollout, retiredPolicies, withoutRollouts, withRolloutEnded, withRolloutStarted } from '../../src/domain/policy/policy-state.js';

const clean = (policy: string, appliedRevision?: string): PolicyEvaluation => ({ policy, missing: [], drifted: [], extra: [], ...(appliedRevision ? { appliedRevision } : {}) });
const on = (cluster: string, ...policies: PolicyEvaluation[]): ClusterEvaluation => ({ cluster, reachable: true, policies, checkedAt: '2026-01-01T00:00:00Z' });
const input = (over: Partial<VerdictInput>): VerdictInput => ({ cluster: 'a', policy: 'p', mode: 'inform', revision: 'r2', ...over });
const running = { status: 'Running' as const, id: 'policy/x/rollout/p/1', revision: 'r2', clusters: ['a'] };

describe('the compliance verdict of one policy on one cluster', () => {
  it.each([
    // nothing known yet
    ['not evaluated yet', input({}), 'Pending', ['not evaluated yet']],
    ['cluster unreachable', input({ evaluation: { cluster: 'a', reachable: false, reason: 'connect ECONNREFUSED', policies: [], checkedAt: '' } }), 'Unknown', ['connect ECONNREFUSED']],
    ['the policy could not be compared (kind not served)', input({ evaluation: on('a', { ...clean('p'), error: 'cannot compare: kind not served' }) }), 'Unknown', ['cannot compare: kind not served']],
    // inform: only the comparison counts, no revision is ever applied
    ['inform, everything as written', input({ evaluation: on('a', clean('p')) }), 'Compliant', []],
    ['inform, a RoleBinding deleted', input({ evaluation: on('a', { ...clean('p'), missing: ['RoleBinding team-a/readers'] }) }), 'NonCompliant', ['RoleBinding team-a/readers: missing']],
    ['inform, a field changed', input({ evaluation: on('a', { ...clean('p'), drifted: ['NetworkPolicy team-a/deny: .spec.policyTypes'] }) }), 'NonCompliant', ['NetworkPolicy team-a/deny: .spec.policyTypes differs']],
    // enforce: applied at the current revision, or on its way
    ['enforce, applied and in sync', input({ mode: 'enforce', evaluation: on('a', clean('p', 'r2')) }), 'Compliant', []],
    ['enforce, applied but drifted (the entity repairs it)', input({ mode: 'enforce', evaluation: on('a', { ...clean('p', 'r2'), missing: ['RoleBinding x/y'] }) }), 'NonCompliant', ['RoleBinding x/y: missing']],
    ['enforce, an older revision while its rollout runs', input({ mode: 'enforce', rollout: running, evaluation: on('a', clean('p', 'r1')) }), 'Pending', ['rollout policy/x/rollout/p/1 is applying revision r2']],
    ['enforce, not applied and no rollout yet', input({ mode: 'enforce', evaluation: on('a', clean('p')) }), 'Pending', ['waiting for a rollout of revision r2']],
    ['enforce, a rollout of an older revision does not count', input({ mode: 'enforce', rollout: { ...running, revision: 'r1', status: 'Succeeded' }, evaluation: on('a', clean('p', 'r1')) }), 'Pending', ['waiting for a rollout of revision r2']],
    ['enforce, the rollout that included it failed', input({ mode: 'enforce', rollout: { ...running, status: 'Failed', message: 'canary breached' }, evaluation: on('a', { ...clean('p'), missing: ['ValidatingAdmissionPolicy v'] }) }), 'NonCompliant', ['revision r2 is not applied: rollout policy/x/rollout/p/1 failed: canary breached', 'ValidatingAdmissionPolicy v: missing']],
  ])('%s', (_why, v, state, reasons) => {
    expect(complianceVerdict(v)).toEqual({ state, reasons });
  });

  it('keeps at most 10 reasons, saying how many more there are', () => {
    const missing = Array.from({ length: 14 }, (_, i) => `Role n/r${i}`);
    const cell = complianceVerdict(input({ evaluation: on('a', { ...clean('p'), missing }) }));
    expect(cell.reasons).toHaveLength(10);
    expect(cell.reasons[9]).toBe('and 5 more');
  });
});

describe('compliance changes (the log and metric event point)', () => {
  const m = (state: 'Compliant' | 'NonCompliant', reasons: string[] = []) => ({ state, reasons });
  it('reports cells whose state changed, clusters that appeared or left, not reasons alone', () => {
    const before = { a: { p: m('Compliant'), q: m('NonCompliant', ['x']) }, gone: { p: m('Compliant') } };
    const after = { a: { p: m('NonCompliant', ['RoleBinding n/r: missing']), q: m('NonCompliant', ['x', 'y']) }, b: { p: m('Compliant') } };
    expect(complianceChanges(before, after, 'T')).toEqual([
      { at: 'T', cluster: 'a', policy: 'p', from: 'Compliant', to: 'NonCompliant', reasons: ['RoleBinding n/r: missing'] },
      { at: 'T', cluster: 'b', policy: 'p', from: 'None', to: 'Compliant', reasons: [] },
      { at: 'T', cluster: 'gone', policy: 'p', from: 'Compliant', to: 'None', reasons: [] },
    ]);
  });

  it('draws the matrix as a Markdown table for the UI', () => {
    expect(matrixMarkdown({ b: { p: m('Compliant') }, a: { p: m('NonCompliant', ['Role x|y: missing']) } }, ['p', 'q'])).toBe(
      '| cluster | p | q |\n|---|---|---|\n| a | **NonCompliant** Role x\\|y: missing | - |\n| b | **Compliant** | - |',
    );
  });
});

describe('the policy workflow state', () => {
  const vap = { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', metadata: { name: 'v' }, spec: {} };
  const spec: FleetPolicyInput = {
    name: 'fp',
    selector: {},
    policies: [
      { name: 'guard', mode: 'enforce', objects: [vap] },
      { name: 'look', mode: 'inform', objects: [{ ...vap, metadata: { name: 'w' } }] },
      { name: 'access', mode: 'enforce', teamAccess: [{ group: 'devs', role: 'view', namespaceSelector: { team: 'a' } }] },
    ],
  };
  const compiled = compileFleetPolicy(FleetPolicySchema.parse(spec));
  const rev = (p: string) => compiled.find((c) => c.policy === p)!.bundle.revision;

  it('rolls enforced policies out one at a time, in the file order, never inform ones', () => {
    let s = newPolicyState(spec);
    expect(nextRollout(s, compiled, [])).toBeUndefined();
    const first = nextRollout(s, compiled, ['a', 'b']);
    expect(first).toEqual({ policy: 'guard', clusters: ['a', 'b'] });
    s = withRolloutStarted(s, compiled[0]!, first!, 'id1');
    // guard's rollout runs: access is next (the workflow starts it once guard's has ended)
    expect(nextRollout(s, compiled, ['a', 'b'])).toEqual({ policy: 'access', clusters: ['a', 'b'] });
    s = withRolloutEnded(s, 'guard', 'id1', 'Succeeded', 'ok');
    s = withRolloutStarted(s, compiled[2]!, { policy: 'access', clusters: ['a', 'b'] }, 'id2');
    s = withRolloutEnded(s, 'access', 'id2', 'Failed', 'breach');
    // a failed rollout is not retried by itself; nothing else to do
    expect(nextRollout(s, compiled, ['a', 'b'])).toBeUndefined();
    // a cluster new to the selection gets each enforced policy, and keeps the others in the record
    expect(nextRollout(s, compiled, ['a', 'b', 'c'])).toEqual({ policy: 'guard', clusters: ['c'] });
    s = withRolloutStarted(s, compiled[0]!, { policy: 'guard', clusters: ['c'] }, 'id3');
    expect(s.rollouts.guard!.clusters).toEqual(['a', 'b', 'c']);
    // applying again (a new generation) rolls every enforced policy out again, failed ones included
    s = withRolloutEnded({ ...s, generation: 2 }, 'guard', 'id3', 'Succeeded', 'ok');
    expect(nextRollout(s, compiled, ['a', 'b', 'c'])).toEqual({ policy: 'guard', clusters: ['a', 'b', 'c'] });
    // a stale rollout id changes nothing
    expect(withRolloutEnded(s, 'guard', 'id1', 'Failed', 'late')).toBe(s);
  });

  it('retires a policy that left the file or turned to inform, so it is removed from the clusters', () => {
    let s = newPolicyState(spec);
    s = withRolloutStarted(s, compiled[0]!, { policy: 'guard', clusters: ['a'] }, 'id1');
    s = withRolloutStarted(s, compiled[2]!, { policy: 'access', clusters: ['a'] }, 'id2');
    expect(retiredPolicies(s, compiled)).toEqual([]);
    const now = compileFleetPolicy(FleetPolicySchema.parse({ ...spec, policies: [{ ...spec.policies[0]!, mode: 'inform' }, spec.policies[1]!] }));
    expect(retiredPolicies(s, now)).toEqual(['access', 'guard']);
    expect(Object.keys(withoutRollouts(s, ['guard']).rollouts)).toEqual(['access']);
  });

  it('builds the matrix and asks the entities of clusters with drifted enforced policies to check now', () => {
    let s = newPolicyState(spec);
    s = withRolloutStarted(s, compiled[0]!, { policy: 'guard', clusters: ['a', 'b'] }, 'id1');
    s = withRolloutEnded(s, 'guard', 'id1', 'Succeeded', 'ok');
    const evaluations = [
      on('a', clean('guard', rev('guard')), { ...clean('look'), missing: ['ValidatingAdmissionPolicy w'] }, clean('access')),
      on('b', { ...clean('guard', rev('guard')), drifted: ['ValidatingAdmissionPolicy v: .spec'] }, clean('look'), clean('access')),
    ];
    const m = matrixOf(s, compiled, ['a', 'b', 'c'], evaluations);
    expect(Object.fromEntries(Object.entries(m).map(([c, row]) => [c, Object.fromEntries(Object.entries(row).map(([p, x]) => [p, x.state]))]))).toEqual({
      a: { guard: 'Compliant', look: 'NonCompliant', access: 'Pending' },
      b: { guard: 'NonCompliant', look: 'Compliant', access: 'Pending' },
      c: { guard: 'Pending', look: 'Pending', access: 'Pending' },
    });
    // only b: a's inform difference is reported, never repaired
    expect(clustersToRepair(s, compiled, evaluations)).toEqual(['b']);
    // not while the policy's rollout holds the clusters
    const rolling = withRolloutStarted({ ...s, generation: 2 }, compiled[0]!, { policy: 'guard', clusters: ['a', 'b'] }, 'id2');
    expect(clustersToRepair(rolling, compiled, evaluations)).toEqual([]);
  });
});
