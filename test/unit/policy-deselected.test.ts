import { describe, expect, it } from 'vitest';
import { compileFleetPolicy } from '../../src/domain/policy/compile.js';
import { clustersThatLeft, enforcedClusters, withoutPolicyClusters } from '../../src/domain/policy/deselected.js';
import { FleetPolicySchema, type FleetPolicyInput } from '../../src/domain/policy/fleet-policy.js';
import { newPolicyState, type FleetPolicyState, type PolicyRollout } from '../../src/domain/policy/policy-state.js';
import type { ClusterSummary, FleetSelectorInput } from '../../src/domain/selection/fleet-selector.js';
import { FleetSelectorSchema } from '../../src/domain/selection/fleet-selector.js';
import { cluster } from '../helpers/cluster-summaries.js';

const vap = { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', metadata: { name: 'v' }, spec: {} };
const spec: FleetPolicyInput = {
  name: 'fp',
  selector: { matchLabels: { team: 'a' }, environments: ['prod'] },
  policies: [
    { name: 'guard', mode: 'enforce', objects: [vap] },
    { name: 'quota', mode: 'enforce', objects: [{ ...vap, metadata: { name: 'q' } }] },
    { name: 'look', mode: 'inform', objects: [{ ...vap, metadata: { name: 'w' } }] },
  ],
};
const compiled = compileFleetPolicy(FleetPolicySchema.parse(spec));
const rollout = (clusters: string[], status: PolicyRollout['status'] = 'Succeeded'): PolicyRollout => ({ id: 'r', status, revision: 'x', clusters, generation: 1 });
const stateWith = (rollouts: Record<string, PolicyRollout>): FleetPolicyState => ({ ...newPolicyState(spec), rollouts });
const inTeam = (name: string, over: Partial<ClusterSummary> = {}) => cluster(name, { labels: { team: 'a' }, environment: 'prod', ...over });
const sel = (s: FleetSelectorInput = spec.selector) => FleetSelectorSchema.parse(s);

describe('clusters that left a FleetPolicy', () => {
  it.each<[string, Record<string, PolicyRollout>, ClusterSummary[], FleetSelectorInput | undefined, ReturnType<typeof clustersThatLeft>]>([
    ['still selected: nothing to do', { guard: rollout(['a1', 'a2']) }, [inTeam('a1'), inTeam('a2')], undefined, { remove: {}, gone: {} }],
    ['relabelled out of the team: removed', { guard: rollout(['a1', 'a2']) }, [inTeam('a1'), inTeam('a2', { labels: { team: 'b' } })], undefined, { remove: { guard: ['a2'] }, gone: {} }],
    ['moved environment: removed', { guard: rollout(['a1']) }, [inTeam('a1', { environment: 'dev' })], undefined, { remove: { guard: ['a1'] }, gone: {} }],
    ['named in exclude: removed', { guard: rollout(['a1']) }, [inTeam('a1')], { ...spec.selector, exclude: ['a1'] }, { remove: { guard: ['a1'] }, gone: {} }],
    ['every enforced policy it holds', { guard: rollout(['a1', 'a2']), quota: rollout(['a2']) }, [inTeam('a1'), inTeam('a2', { labels: {} })], undefined, { remove: { guard: ['a2'], quota: ['a2'] }, gone: {} }],
    ['no longer registered: forgotten, nothing removed', { guard: rollout(['a1', 'a2']) }, [inTeam('a1')], undefined, { remove: {}, gone: { guard: ['a2'] } }],
    ['decommissioned: forgotten', { guard: rollout(['a1']) }, [inTeam('a1', { phase: 'Deleted', labels: {} })], undefined, { remove: {}, gone: { guard: ['a1'] } }],
    ['being decommissioned: forgotten', { guard: rollout(['a1']) }, [inTeam('a1', { phase: 'Decommissioning' })], undefined, { remove: {}, gone: { guard: ['a1'] } }],
    ['busy or degraded but still matching: kept', { guard: rollout(['a1', 'a2']) }, [inTeam('a1', { currentOperation: { id: 'u', type: 'upgrade', startedAt: 'T' } }), inTeam('a2', { phase: 'Degraded' })], undefined, { remove: {}, gone: {} }],
    ['a running rollout holds its clusters: left alone', { guard: rollout(['a1'], 'Running') }, [inTeam('a1', { labels: {} })], undefined, { remove: {}, gone: {} }],
    ['a failed rollout may have applied: removed', { guard: rollout(['a1'], 'Failed') }, [inTeam('a1', { labels: {} })], undefined, { remove: { guard: ['a1'] }, gone: {} }],
    ['an inform policy never changed a cluster: never removed', { look: rollout(['a1']) }, [inTeam('a1', { labels: {} })], undefined, { remove: {}, gone: {} }],
  ])('%s', (_why, rollouts, fleet, selector, want) => {
    expect(clustersThatLeft(stateWith(rollouts), compiled, sel(selector), fleet)).toEqual(want);
  });

  it('lists the clusters enforced policies hold (not those of a running rollout), and forgets clusters per policy', () => {
    const s = stateWith({ guard: rollout(['a2', 'a1']), quota: rollout(['a3'], 'Running'), look: rollout(['a4']) });
    expect(enforcedClusters(s, compiled)).toEqual(['a1', 'a2']);
    const after = withoutPolicyClusters(s, 'guard', ['a2']);
    expect(after.rollouts.guard!.clusters).toEqual(['a1']);
    expect(after.rollouts.quota).toBe(s.rollouts.quota);
    expect(withoutPolicyClusters(s, 'guard', [])).toBe(s);
  });
});
