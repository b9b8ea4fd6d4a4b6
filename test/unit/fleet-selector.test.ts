import { describe, expect, it } from 'vitest';
import { newClusterState } from '../../src/domain/cluster/lifecycle.js';
import { ClusterSpecSchema } from '../../src/domain/cluster/spec.js';
import {
  FleetSelectorSchema,
  clusterSummaryFrom,
  selectClusters,
  toVisibilityQuery,
  type ClusterSummary,
  type FleetSelectorInput,
} from '../../src/domain/selection/fleet-selector.js';
import { versionMatches } from '../../src/domain/selection/version-constraint.js';
import { parseWith } from '../../src/domain/validation.js';
import { cluster } from '../helpers/cluster-summaries.js';


const parse = (input: FleetSelectorInput) => FleetSelectorSchema.parse(input);
const names = (cs: readonly ClusterSummary[]) => cs.map((c) => c.name);

const FLEET: ClusterSummary[] = [
  cluster('web-eu-1', { environment: 'prod', labels: { team: 'web', tier: 'gold' } }),
  cluster('web-us-1', { environment: 'prod', region: 'us-east-1', labels: { team: 'web', tier: 'silver' }, version: '1.34.2' }),
  cluster('data-eu-1', { environment: 'staging', labels: { team: 'data' }, version: '1.36.0' }),
  cluster('ci-1', { environment: 'dev', provider: 'eks', labels: {} }),
];

describe('FleetSelectorSchema', () => {
  it('lists every problem by path with exact messages', () => {
    const r = parseWith(
      FleetSelectorSchema,
      {
        matchExpressions: [
          { key: 'tier', operator: 'In' }, // In needs values
          { key: 'team', operator: 'Exists', values: ['web'] }, // Exists must not have them
          { key: 'x', operator: 'Near', values: ['a'] },
        ],
        versions: ['>=1.34 <1.36', 'newest'],
        environments: [],
        include: ['web-1', 'Bad_Name'],
        exclude: ['web-1'],
        colour: 'blue',
      },
      'selector',
    );
    expect(r.ok ? [] : r.problems).toEqual([
      { path: 'selector.matchExpressions[0].values', message: 'operator In needs at least one value' },
      { path: 'selector.matchExpressions[1].values', message: 'operator Exists must not have values' },
      { path: 'selector.matchExpressions[2].operator', message: 'must be one of: In, NotIn, Exists, DoesNotExist' },
      { path: 'selector.environments', message: 'must not be empty when given' },
      { path: 'selector.versions[1]', message: 'must be a version constraint such as "1.35", ">=1.34 <1.36" or "!=1.33.2"' },
      { path: 'selector.include[1]', message: 'must be lowercase letters, digits and "-", starting and ending alphanumeric' },
      { path: 'selector', message: 'Unrecognized key: "colour"' },
    ]);
  });

  it('refuses a name that is both included and excluded', () => {
    const r = parseWith(FleetSelectorSchema, { include: ['a', 'b'], exclude: ['b'] }, 'selector');
    expect(r.ok ? [] : r.problems).toEqual([{ path: 'selector.include[1]', message: 'cluster b is both included and excluded' }]);
  });
});

describe('versionMatches', () => {
  it.each([
    ['1.35', '1.35.4', true], // a minor means any of its patches
    ['1.35', '1.36.0', false],
    ['>=1.34 <1.36', '1.34.0', true],
    ['>=1.34 <1.36', '1.35.9', true],
    ['>=1.34 <1.36', '1.36.0', false],
    ['>1.35', '1.35.9', false], // greater than the minor means a later minor
    ['<=1.35', '1.35.9', true],
    ['!=1.35.4', '1.35.4', false],
    ['=1.35.4', '1.35.5', false],
    ['1.35', undefined, false], // unknown versions never match a constraint
  ])('%j against %j is %j', (constraint, version, expected) => {
    expect(versionMatches(constraint, version)).toBe(expected);
  });
});

describe('selectClusters', () => {
  it.each<[string, FleetSelectorInput, string[]]>([
    ['the empty selector takes the whole fleet, sorted by name', {}, ['ci-1', 'data-eu-1', 'web-eu-1', 'web-us-1']],
    ['matchLabels', { matchLabels: { team: 'web' } }, ['web-eu-1', 'web-us-1']],
    ['In', { matchExpressions: [{ key: 'tier', operator: 'In', values: ['gold', 'bronze'] }] }, ['web-eu-1']],
    // as in Kubernetes, a cluster without the label satisfies NotIn
    ['NotIn', { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['gold'] }] }, ['ci-1', 'data-eu-1', 'web-us-1']],
    ['Exists', { matchExpressions: [{ key: 'team', operator: 'Exists' }] }, ['data-eu-1', 'web-eu-1', 'web-us-1']],
    ['DoesNotExist', { matchExpressions: [{ key: 'team', operator: 'DoesNotExist' }] }, ['ci-1']],
    ['providers', { providers: ['eks', 'gke'] }, ['ci-1']],
    ['regions', { regions: ['us-east-1'] }, ['web-us-1']],
    ['environments', { environments: ['prod', 'staging'] }, ['data-eu-1', 'web-eu-1', 'web-us-1']],
    ['versions: any constraint may match', { versions: ['1.34', '>=1.36'] }, ['data-eu-1', 'web-us-1']],
    ['criteria AND together', { matchLabels: { team: 'web' }, regions: ['eu-west-1'] }, ['web-eu-1']],
  ])('%s', (_why, selector, expected) => {
    const r = selectClusters(parse(selector), FLEET);
    expect(names(r.selected)).toEqual(expected);
    expect(r.excluded).toEqual([]);
  });

  it('reports excluded, busy, deleted, decommissioning and unprovisioned clusters instead of dropping them', () => {
    const inventory = [
      cluster('a'),
      cluster('b'),
      cluster('c', { currentOperation: { id: 'provision/c', type: 'provision', startedAt: '2026-05-01T10:00:00Z' } }),
      cluster('d', { phase: 'Deleted' }),
      cluster('e', { phase: 'Decommissioning' }),
      cluster('f', { phase: 'Registered' }),
      cluster('g', { phase: 'Degraded' }), // degraded clusters still take rollouts
    ];
    const r = selectClusters(parse({ exclude: ['b'] }), inventory);
    expect(names(r.selected)).toEqual(['a', 'g']);
    expect(r.excluded).toEqual([
      { name: 'b', reason: 'Excluded', message: 'b is listed in exclude' },
      { name: 'c', reason: 'Busy', message: 'c is busy: provision operation provision/c has been running since 2026-05-01T10:00:00Z' },
      { name: 'd', reason: 'Deleted', message: 'd has been decommissioned' },
      { name: 'e', reason: 'Decommissioning', message: 'e is being decommissioned' },
      { name: 'f', reason: 'NotReady', message: 'f is Registered, not one of Active, Degraded, Failed' },
    ]);
  });

  it('restricts to include and says why a named cluster is missing or does not match', () => {
    const r = selectClusters(parse({ include: ['web-eu-1', 'web-us-1', 'ghost'], environments: ['prod'], regions: ['eu-west-1'] }), FLEET);
    expect(names(r.selected)).toEqual(['web-eu-1']);
    expect(r.excluded).toEqual([
      { name: 'ghost', reason: 'NotFound', message: 'ghost is listed in include, but no such cluster is in the inventory' },
      { name: 'web-us-1', reason: 'NotMatched', message: 'web-us-1 is listed in include, but region us-east-1 is not one of eu-west-1' },
    ]);
  });

  it('gives the same answer whatever order the inventory comes in', () => {
    const s = parse({ matchLabels: { team: 'web' } });
    expect(selectClusters(s, [...FLEET].reverse())).toEqual(selectClusters(s, FLEET));
  });

  it('lets a caller widen the eligible phases (decommission takes unprovisioned clusters)', () => {
    const r = selectClusters(parse({}), [cluster('f', { phase: 'Registered' })], { eligiblePhases: ['Registered'] });
    expect(names(r.selected)).toEqual(['f']);
  });
});

describe('clusterSummaryFrom', () => {
  it('takes the reported version over the spec and marks a running operation as busy', () => {
    const spec = ClusterSpecSchema.parse({ name: 'web-1', provider: 'local', environment: 'prod', kubernetesVersion: '1.35', labels: { team: 'web' } });
    const state = {
      ...newClusterState(spec, '2026-01-01T00:00:00Z'),
      phase: 'Active' as const,
      version: '1.35.4',
      current: { id: 'upgrade/web-1', type: 'provision' as const, status: 'Running' as const, startedAt: '2026-01-02T00:00:00Z' },
    };
    expect(clusterSummaryFrom(state)).toEqual({
      name: 'web-1',
      provider: 'local',
      region: 'local',
      environment: 'prod',
      version: '1.35.4',
      labels: { team: 'web' },
      phase: 'Active',
      protected: false,
      currentOperation: { id: 'upgrade/web-1', type: 'provision', startedAt: '2026-01-02T00:00:00Z' },
    });
  });
});

describe('toVisibilityQuery', () => {
  it('expresses labels, fields and include, and is exact when nothing is left for memory', () => {
    const q = toVisibilityQuery(
      parse({
        matchLabels: { team: 'web' },
        matchExpressions: [{ key: 'tier', operator: 'In', values: ['gold', 'silver'] }, { key: 'zone', operator: 'NotIn', values: ['b'] }],
        environments: ['prod'],
        providers: ['local', 'eks'],
        include: ['web-eu-1'],
      }),
    );
    expect(q).toEqual({
      exact: true,
      query:
        "WorkflowType = 'clusterEntity' AND ExecutionStatus = 'Running' AND FleetLabels = 'team=web' AND " +
        "(FleetLabels = 'tier=gold' OR FleetLabels = 'tier=silver') AND FleetLabels != 'zone=b' AND " +
        "FleetProvider IN ('local', 'eks') AND FleetEnvironment = 'prod' AND WorkflowId = 'cluster/web-eu-1'",
    });
  });

  it('leaves existence, versions and exclude to memory and says the query is only a pre-filter', () => {
    expect(toVisibilityQuery(parse({ matchExpressions: [{ key: 'team', operator: 'Exists' }] }))).toEqual({
      exact: false,
      query: "WorkflowType = 'clusterEntity' AND ExecutionStatus = 'Running'",
    });
    expect(toVisibilityQuery(parse({ versions: ['1.35'] })).exact).toBe(false);
    expect(toVisibilityQuery(parse({ exclude: ['a'] })).exact).toBe(false);
  });

  it('escapes quotes in values', () => {
    expect(toVisibilityQuery(parse({ regions: ["x' OR '1'='1"] })).query).toContain("FleetRegion = 'x\\' OR \\'1\\'=\\'1'");
  });
});
