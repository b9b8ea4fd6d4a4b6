import { describe, expect, it } from 'vitest';
import { parseQuantity, sumCapacity, type ClusterCapacity } from '../../src/domain/cluster/capacity.js';
import type { PlacementCluster } from '../../src/domain/placement/cluster.js';
import { decidePlacement, type PlacementDecision } from '../../src/domain/placement/decide.js';
import { formatDecision } from '../../src/domain/placement/format.js';
import { PlacementSchema, type PlacementInput } from '../../src/domain/placement/spec.js';
import { describeProblems, parseWith } from '../../src/domain/validation.js';
import { cluster } from '../helpers/cluster-summaries.js';

const GI = 2 ** 30;
/** Capacity with `cpuFree` of 4000 millicores and `memFree` of 16 Gi free. */
const cap = (cpuFree: number, memFreeGi = 8, zones = ['z-a']): ClusterCapacity => ({
  cpu: { allocatable: 4000, requested: 4000 - cpuFree },
  memory: { allocatable: 16 * GI, requested: (16 - memFreeGi) * GI },
  nodes: 2,
  zones,
});
const pc = (name: string, over: Partial<PlacementCluster> = {}): PlacementCluster => ({ ...cluster(name), health: 'Healthy', capacity: cap(2000), ...over });
const spec = (input: PlacementInput) => PlacementSchema.parse(input);
const NOW = Date.parse('2026-11-30T12:00:00Z');
const decide = (input: PlacementInput, fleet: PlacementCluster[], ctx: { current?: string[]; failingSince?: Record<string, string>; now?: number } = {}) =>
  decidePlacement(spec(input), fleet, { now: NOW, ...ctx });
const verdicts = (d: PlacementDecision) => Object.fromEntries(d.clusters.map((c) => [c.name, c.verdict]));
const reasonOf = (d: PlacementDecision, name: string) => d.clusters.find((c) => c.name === name)!.reason;

describe('PlacementSchema', () => {
  it('names every bad field by its path', () => {
    const r = parseWith(PlacementSchema, {
      require: [{ claim: 'gpu', operator: 'In' }],
      tolerations: [{ key: 'x', effect: 'NoExecute' }],
      requests: { cpu: 'lots' },
      prioritizers: [{ name: 'Random', weight: 1 }, { name: 'FreeCPU', weight: 1, topologyKey: 'zone' }],
      numberOfClusters: 0,
      spread: [{ topologyKey: 'region', maxSkew: 0 }],
      removeAfter: 'soon',
      colour: 'blue',
    }, 'placement');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(describeProblems(r.problems).split('; ').sort()).toEqual([
      'placement.numberOfClusters: must be at least 1',
      'placement.prioritizers[0].name: must be one of: FreeCPU, FreeMemory, Spread, Steady',
      'placement.prioritizers[1].topologyKey: only Spread takes a topologyKey, not FreeCPU',
      'placement.removeAfter: must be a duration such as "30s", "10m", "2h", "1d" or "1h30m"',
      'placement.require[0].values: operator In needs at least one value',
      'placement.requests.cpu: must be a positive CPU quantity such as "500m" or "2"',
      'placement.spread[0].maxSkew: must be at least 1',
      'placement.tolerations[0].effect: must be one of: NoSelect, NoSelectIfNew',
      'placement: Unrecognized key: "colour"',
    ].sort());
  });

  it('fills the defaults: whole fleet, every passing cluster, the default ranking, 2 minutes of grace', () => {
    const p = spec({});
    expect(p).toMatchObject({ selector: {}, require: [], removeAfter: 120_000 });
    expect(p.numberOfClusters).toBeUndefined();
    expect(p.prioritizers.map((x) => `${x.name}:${x.weight}`)).toEqual(['FreeCPU:1', 'FreeMemory:1', 'Spread:1', 'Steady:3']);
  });
});

describe('capacity', () => {
  it.each([
    ['500m', 0.5], ['2', 2], ['1.5', 1.5], ['8Gi', 8 * GI], ['64Mi', 64 * 2 ** 20], ['1G', 1e9], ['1e3', 1000], ['12x', undefined], ['', undefined],
  ])('parses the quantity %s', (q, want) => {
    expect(parseQuantity(q)).toBe(want);
  });

  it('sums only Ready, schedulable nodes and the pods bound to them', () => {
    const node = (name: string, ready = true, unschedulable = false, zone = 'z-a') => ({ name, ready, unschedulable, allocatable: { cpu: '2', memory: '8Gi' }, zone });
    const c = sumCapacity(
      [node('n1'), node('n2', true, false, 'z-b'), node('cordoned', true, true), node('down', false)],
      [{ node: 'n1', cpu: 500, memory: GI }, { node: 'n2', cpu: 250, memory: 0 }, { node: 'cordoned', cpu: 2000, memory: GI }],
    );
    expect(c).toEqual({ cpu: { allocatable: 4000, requested: 750 }, memory: { allocatable: 16 * GI, requested: GI }, nodes: 2, zones: ['z-a', 'z-b'] });
  });
});

describe('predicates', () => {
  // Each cluster fails exactly one predicate; the reason names it.
  const fleet = [
    pc('ok'),
    pc('other-env', { environment: 'prod' }),
    pc('excluded'),
    pc('failed', { phase: 'Failed' }),
    pc('no-gpu'),
    pc('tainted', { labels: { gpu: 'nvidia', 'taint.fleetflow.dev/dedicated': 'NoSelect' } }),
    pc('sick', { labels: { gpu: 'nvidia' }, health: 'Degraded' }),
    pc('full', { labels: { gpu: 'nvidia' }, capacity: cap(100) }),
    pc('unknown', { labels: { gpu: 'nvidia' }, capacity: undefined }),
    pc('gpu', { labels: { gpu: 'nvidia' } }),
  ];
  const input: PlacementInput = {
    selector: { environments: ['dev'] },
    excludeClusters: ['excluded'],
    require: [{ claim: 'gpu', operator: 'In', values: ['nvidia'] }, { claim: 'fleetflow.dev/region', operator: 'In', values: ['eu-west-1'] }],
    requests: { cpu: '500m' },
  };

  it('filters each cluster by the first predicate it fails and says which', () => {
    const d = decide(input, fleet.filter((c) => c.name !== 'ok'));
    expect(d.chosen).toEqual(['gpu']);
    expect(Object.fromEntries(d.clusters.filter((c) => !c.chosen).map((c) => [c.name, c.reason]))).toEqual({
      'other-env': 'Selector: environment prod is not one of dev',
      excluded: 'Excluded: excluded is excluded by the placement',
      failed: 'Phase: failed is Failed, not one of Active, Degraded, Upgrading',
      'no-gpu': 'Claims: claim gpu is missing (needs one of nvidia)',
      tainted: 'Taints: taint dedicated:NoSelect (label taint.fleetflow.dev/dedicated=NoSelect) is not tolerated',
      sick: 'Taints: taint fleetflow.dev/unhealthy:NoSelect (health Degraded) is not tolerated',
      full: 'Capacity: out of CPU: 100m free of 4, 500m needed to take the workload',
      unknown: 'Capacity: capacity unknown: no health check has read the nodes yet',
    });
  });

  it('lets a toleration through its taint, and NoSelectIfNew keep a cluster that has the workload', () => {
    const tainted = pc('t', { labels: { 'taint.fleetflow.dev/dedicated': 'NoSelectIfNew' } });
    expect(decide({}, [tainted]).chosen).toEqual([]);
    expect(decide({ tolerations: [{ key: 'dedicated' }] }, [tainted]).chosen).toEqual(['t']);
    expect(decide({ tolerations: [{ key: 'dedicated', effect: 'NoSelect' }] }, [tainted]).chosen).toEqual([]);
    expect(decide({}, [tainted], { current: ['t'] }).chosen).toEqual(['t']);
    expect(decide({ tolerations: [{ key: 'fleetflow.dev/unhealthy' }] }, [pc('sick', { health: 'Unreachable' })]).chosen).toEqual(['sick']);
  });

  it('matches zone and version claims against what the health check saw', () => {
    const fleet2 = [pc('a', { capacity: cap(2000, 8, ['z-1', 'z-2']), version: '1.35.4' }), pc('b', { capacity: cap(2000, 8, ['z-3']), version: '1.34.1' })];
    expect(decide({ require: [{ claim: 'fleetflow.dev/zone', operator: 'In', values: ['z-2'] }] }, fleet2).chosen).toEqual(['a']);
    expect(decide({ require: [{ claim: 'fleetflow.dev/kubernetes-version', operator: 'NotIn', values: ['1.35'] }] }, fleet2).chosen).toEqual(['b']);
  });
});

describe('prioritizers and count', () => {
  it('ranks by free capacity and tells each score part, cutting the rest by count', () => {
    const d = decide({ numberOfClusters: 1, prioritizers: [{ name: 'FreeCPU', weight: 2 }, { name: 'FreeMemory', weight: 1 }] }, [
      pc('roomy', { capacity: cap(3000, 4) }),
      pc('tight', { capacity: cap(1000, 12) }),
    ]);
    expect(d.chosen).toEqual(['roomy']);
    expect(reasonOf(d, 'roomy')).toBe('rank 1 of 2, score 175 (FreeCPU 150 + FreeMemory 25)');
    expect(reasonOf(d, 'tight')).toBe('rank 2 of 2, score 125 (FreeCPU 50 + FreeMemory 75); cut by count: 1 cluster wanted (the last chosen scored 175)');
  });

  it('keeps the steady choice although another cluster has more room (no move without cause)', () => {
    const fleet = [pc('a', { capacity: cap(500, 1) }), pc('b', { capacity: cap(4000, 16) })];
    expect(decide({ numberOfClusters: 1 }, fleet).chosen).toEqual(['b']);
    expect(decide({ numberOfClusters: 1 }, fleet, { current: ['a'] }).chosen).toEqual(['a']);
  });

  it('spreads across regions by score, and breaks ties by name', () => {
    const fleet = [pc('eu-1'), pc('eu-2'), pc('us-1', { region: 'us-east-1' })];
    expect(decide({ numberOfClusters: 2 }, fleet).chosen).toEqual(['eu-1', 'us-1']);
    expect(decide({ numberOfClusters: 2, prioritizers: [{ name: 'FreeCPU', weight: 1 }] }, fleet).chosen).toEqual(['eu-1', 'eu-2']);
  });

  it('chooses every passing cluster without numberOfClusters, and says when fewer than wanted pass', () => {
    const fleet = [pc('a'), pc('b'), pc('c', { phase: 'Deleted' })];
    expect(decide({}, fleet)).toMatchObject({ wanted: 'all', chosen: ['a', 'b'] });
    expect(decide({ numberOfClusters: 3 }, fleet).summary).toBe('2 chosen of 3 clusters: a, b (only 2 of 3 wanted could be placed)');
  });
});

describe('spread constraints', () => {
  const fleet = [pc('eu-1', { capacity: cap(4000) }), pc('eu-2', { capacity: cap(4000) }), pc('eu-3', { capacity: cap(4000) }), pc('us-1', { region: 'us', capacity: cap(100) })];
  const capacityOnly = [{ name: 'FreeCPU' as const, weight: 1 }];

  it('lets no region hold more than maxSkew beyond the emptiest, cutting clusters that would break it', () => {
    const d = decide({ numberOfClusters: 3, prioritizers: capacityOnly, spread: [{ topologyKey: 'region', maxSkew: 1 }] }, fleet);
    // eu-1, then us-1 (eu would be 2 against 0), then eu-2; eu-3 would make eu 3 against us 1.
    expect(d.chosen).toEqual(['eu-1', 'eu-2', 'us-1']);
    expect(verdicts(d)).toEqual({ 'eu-1': 'Chosen', 'eu-2': 'Chosen', 'eu-3': 'CutBySkew', 'us-1': 'Chosen' });
    expect(reasonOf(d, 'eu-3')).toBe('rank 3 of 4, score 100 (FreeCPU 100); cut by spread: region eu-west-1 would have 3 chosen against 1 in the emptiest, skew 2 over maxSkew 1');
  });

  it('chooses fewer than wanted rather than break the constraint', () => {
    const d = decide({ numberOfClusters: 4, prioritizers: capacityOnly, spread: [{ topologyKey: 'region', maxSkew: 1 }] }, fleet);
    expect(d.chosen).toEqual(['eu-1', 'eu-2', 'us-1']);
    expect(d.summary).toMatch(/only 3 of 4 wanted/);
  });
});

describe('hysteresis', () => {
  const p: PlacementInput = { numberOfClusters: 1, requests: { cpu: '1' }, removeAfter: '2m' };
  const full = pc('a', { capacity: cap(100) });
  const spare = pc('b', { capacity: cap(3000) });

  it('keeps a chosen cluster that starts failing for removeAfter, then moves the workload', () => {
    const first = decide(p, [full, spare], { current: ['a'] });
    expect(first.chosen).toEqual(['a']);
    expect(reasonOf(first, 'a')).toBe('kept for now: out of CPU: 100m free of 4, 500m needed to keep the workload since 2026-11-30T12:00:00.000Z; it loses its place after 120 s more');
    expect(first.failingSince).toEqual({ a: '2026-11-30T12:00:00.000Z' });
    const later = decide(p, [full, spare], { current: ['a'], failingSince: first.failingSince, now: NOW + 120_000 });
    expect(later.chosen).toEqual(['b']);
    expect(verdicts(later)).toEqual({ a: 'Filtered', b: 'Chosen' });
  });

  it('forgets the failure once the cluster passes again, so a later failure starts a new grace', () => {
    const d = decide(p, [pc('a', { capacity: cap(2000) }), spare], { current: ['a'], failingSince: { a: '2026-11-30T11:00:00.000Z' } });
    expect(d).toMatchObject({ chosen: ['a'], failingSince: {} });
  });

  it('lets a cluster with the workload keep it on half the headroom a new one needs', () => {
    const half = pc('a', { capacity: cap(600) });
    expect(decide(p, [half]).chosen).toEqual([]);
    expect(decide(p, [half], { current: ['a'] }).chosen).toEqual(['a']);
  });

  it('gives no grace for a deliberate change: an excluded or vanished cluster goes at once', () => {
    const d = decide({ ...p, excludeClusters: ['a'] }, [pc('a'), spare], { current: ['a', 'gone'] });
    expect(d.chosen).toEqual(['b']);
    expect(reasonOf(d, 'gone')).toBe('NotFound: no longer in the fleet');
  });
});

describe('formatDecision', () => {
  it('prints chosen clusters first, each with its reason', () => {
    const d = decide({ numberOfClusters: 1, prioritizers: [{ name: 'FreeCPU', weight: 1 }] }, [pc('a', { capacity: cap(1000) }), pc('b', { capacity: cap(3000) }), pc('c', { phase: 'Failed' })]);
    expect(formatDecision(d)).toEqual([
      'placement: 1 chosen of 3 clusters: b (wanted: 1)',
      '  chosen     b  rank 1 of 2, score 75 (FreeCPU 75)',
      '  not chosen a  rank 2 of 2, score 25 (FreeCPU 25); cut by count: 1 cluster wanted (the last chosen scored 75)',
      '  filtered   c  Phase: c is Failed, not one of Active, Degraded, Upgrading',
    ]);
  });
});

describe('capacity search attributes', () => {
  it('publish zones, node count and free CPU in whole cores (rounded down, so small changes write nothing)', async () => {
    const { capacityValues } = await import('../../src/domain/cluster/capacity.js');
    expect(capacityValues(cap(2999, 8, ['z-a', 'z-b']))).toEqual({ zones: ['z-a', 'z-b'], nodes: 2, freeCpu: 2 });
  });
});
