import { describe, expect, it } from 'vitest';
import { ClusterSpecSchema } from '../../src/domain/cluster/spec.js';
import { gateScopeOf, recordOfScope, scopeOfClusters, scopeSourceOf, summaryOfSpec } from '../../src/domain/change/scope.js';
import type { ClusterSummary } from '../../src/domain/selection/fleet-selector.js';

const summary = (name: string, environment: string): ClusterSummary => ({ name, environment, provider: 'local', region: 'local', labels: {}, phase: 'Active', protected: false });

describe('where a change finds its clusters', () => {
  it('a provision: its own spec (the cluster may not exist yet)', () => {
    const spec = ClusterSpecSchema.parse({ name: 'web-1', provider: 'local', environment: 'prod', labels: { team: 'web' } });
    expect(scopeSourceOf('provision', { spec })).toEqual({ kind: 'spec', spec });
    expect(summaryOfSpec(spec)).toMatchObject({ name: 'web-1', environment: 'prod', labels: { team: 'web' }, phase: 'Registered' });
  });

  it('a decommission or an upgrade of one cluster: by name', () => {
    expect(scopeSourceOf('decommission', { name: 'web-1' })).toEqual({ kind: 'names', names: ['web-1'] });
    expect(scopeSourceOf('upgradeCluster', { name: 'web-2' })).toEqual({ kind: 'names', names: ['web-2'] });
  });

  it('a fleet change: by its selectors (a wave has one per target)', () => {
    const a = { environments: ['dev'] };
    const b = { matchLabels: { team: 'web' } };
    expect(scopeSourceOf('upgradeWave', { targets: [{ selector: a }, { selector: b }] })).toEqual({ kind: 'selectors', selectors: [a, b] });
    expect(scopeSourceOf('rollout', { selector: b })).toEqual({ kind: 'selectors', selectors: [b] });
    expect(scopeSourceOf('fleetDecommission', { selector: a })).toEqual({ kind: 'selectors', selectors: [a] });
  });

  it('a placed rollout: by every cluster its placement may choose from (its selector), not only those chosen now', () => {
    const a = { environments: ['prod'] };
    expect(scopeSourceOf('rollout', { placement: { selector: a } })).toEqual({ kind: 'selectors', selectors: [a] });
  });
});

describe('the scope of clusters', () => {
  it('names each environment once, sorted, and each cluster once', () => {
    const scope = scopeOfClusters([summary('b', 'prod'), summary('a', 'dev'), summary('b', 'prod'), summary('c', 'dev')]);
    expect(scope.environments).toEqual(['dev', 'prod']);
    expect(scope.clusters?.map((c) => c.name)).toEqual(['a', 'b', 'c']);
    expect(recordOfScope(scope)).toEqual({ environments: ['dev', 'prod'], clusters: ['a', 'b', 'c'] });
  });
});

describe("a gate's scope", () => {
  const clusters = [
    { name: 'dev-1', stage: 'dev', environment: 'dev' },
    { name: 'prod-2', stage: 'prod', environment: 'prod' },
    { name: 'prod-1', stage: 'prod', environment: 'production' },
  ];
  it("is its stage's clusters and environments", () => {
    expect(gateScopeOf('prod:before', clusters)).toEqual({ environments: ['prod', 'production'], clusters: ['prod-1', 'prod-2'] });
    expect(gateScopeOf('dev:after', clusters)).toEqual({ environments: ['dev'], clusters: ['dev-1'] });
  });

  it('is unknown when the progress does not list the stage (the whole change is used then)', () => {
    expect(gateScopeOf('canary:before', clusters)).toBeUndefined();
    expect(gateScopeOf('prod:before', [{ name: 'x' }])).toBeUndefined();
  });
});
