import { describe, expect, it } from 'vitest';
import { rolloutProgress } from '../../src/domain/rollout/fleet-rollout.js';
import { decideRollout } from '../../src/domain/staged/engine.js';
import { newStagedState } from '../../src/domain/staged/operator.js';
import { packState, PACK_ABOVE_BYTES, unpackState } from '../../src/domain/staged/packed-state.js';
import { planStages, RolloutPlanSchema } from '../../src/domain/staged/plan.js';
import { CarriedRolloutStateSchema, CarriedWaveStateSchema } from '../../src/domain/staged/carried-state.js';
import { clusterPage, CLUSTER_PAGE_SIZE, PROGRESS_CLUSTER_LIMIT } from '../../src/domain/staged/progress-pages.js';
import { cluster } from '../helpers/cluster-summaries.js';

// Bounded state at 10,000 clusters: what fleetRollout and upgradeWave carry across
// continue-as-new, and what their progress query answers, stay under 1 MB (unpacked, the
// carried state is about 2.4 MB and the answer 2.5 MB, over Temporal's 2 MB payload limit).
const MB = 1024 * 1024;
const T0 = Date.parse('2026-05-01T10:00:00Z');
const size = (v: unknown) => JSON.stringify(v).length;

function rolloutAt(n: number) {
  const fleet = Array.from({ length: n }, (_, i) => cluster(`web-${String(i).padStart(5, '0')}`, { environment: i % 10 ? 'prod' : 'dev' }));
  const plan = planStages(RolloutPlanSchema.parse({ generate: { canary: 1, steps: ['10%', '50%', '100%'], canaryApproval: 'none', maxConcurrency: 50 } }), fleet);
  const runs: Record<string, object> = {};
  fleet.forEach((c, i) => {
    const startedAt = T0 + i * 97;
    // Mostly done, as at a continue-as-new late in a rollout; some of every other kind.
    runs[c.name] =
      i % 500 === 1 ? { status: 'Failed', attempts: 2, startedAt, endedAt: startedAt + 5_000, message: `${c.name} is unhealthy: Deployment web has 0 of 3 ready` }
      : i % 700 === 2 ? { status: 'WaitingWindow', attempts: 0, wakeAt: T0 + 3_600_000, message: 'outside its maintenance window' }
      : i % 900 === 3 ? { status: 'WaitingBusy', attempts: 1, wakeAt: T0 + 60_000, busy: { refusals: 1, since: T0, message: 'upgrade/x holds it' } }
      : i > n - 40 ? undefined!
      : { status: 'Succeeded', attempts: 1, startedAt, endedAt: startedAt + 1_234, message: `applied: ${i % 3} created, 2 configured, 0 unchanged, 0 pruned` };
    if (!runs[c.name]) delete runs[c.name];
  });
  return {
    ...newStagedState(plan.stages),
    runs,
    bundle: { name: 'shop', revision: 'v2' },
    environments: Object.fromEntries(fleet.map((c) => [c.name, c.environment])),
    overridesOf: Object.fromEntries(fleet.filter((_, i) => i % 4 === 0).map((c) => [c.name, [0]])),
    reach: Object.fromEntries(fleet.map((c, i) => [c.name, i % 3 ? { claimed: true, before: 'v1' } : { claimed: true }])),
    leftOut: { upToDate: [], refused: [], excluded: [], unassigned: [] },
    startedAt: new Date(T0).toISOString(),
    generation: 4,
  };
}

describe('the carried state at 10,000 clusters', () => {
  const rollout = rolloutAt(10_000);

  it('is over the payload limit unpacked, which is why it is packed', () => {
    expect(size(rollout)).toBeGreaterThan(2 * MB);
  });

  it('packs a rollout under 1 MB, readable by the carried-state check, and unpacks to exactly what it was', () => {
    const packed = packState(rollout);
    expect(size(packed)).toBeLessThan(MB);
    expect(CarriedRolloutStateSchema.safeParse(packed).success).toBe(true);
    expect(unpackState(structuredClone(packed))).toEqual(rollout);
  });

  it('packs an upgrade wave (its per-cluster upgrades) under 1 MB, losslessly', () => {
    const { bundle: _b, reach: _r, overridesOf: _o, ...staged } = rollout;
    const wave = {
      ...staged,
      upgrades: Object.fromEntries(Object.keys(rollout.environments).map((name, i) => [name, { name, environment: rollout.environments[name], from: `1.35.${i % 4}`, to: '1.36.2' }])),
    };
    expect(size(wave)).toBeGreaterThan(2 * MB);
    const packed = packState(wave);
    expect(size(packed)).toBeLessThan(MB);
    expect(CarriedWaveStateSchema.safeParse(packed).success).toBe(true);
    expect(unpackState(structuredClone(packed))).toEqual(wave);
  });

  it('leaves a small state as it always was, so a worker from before packing still reads it', () => {
    const small = rolloutAt(200);
    expect(size(small)).toBeLessThan(PACK_ABOVE_BYTES);
    expect(packState(small)).toBe(small);
    expect(unpackState(small)).toBe(small);
  });
});

describe('the progress query at 10,000 clusters', () => {
  const s = rolloutAt(10_000);
  const d = decideRollout({ stages: s.stages, runs: s.runs as never, operator: s.operator, now: T0 });
  const full = rolloutProgress(s as never, d, T0, true);

  it('would answer 2.5 MB with every cluster listed; without the list (what it answers past 1,000) it is under 1 MB', () => {
    expect(size(full)).toBeGreaterThan(2 * MB);
    expect(10_000).toBeGreaterThan(PROGRESS_CLUSTER_LIMIT);
    const summary = { ...rolloutProgress(s as never, d, T0, false), clusterPages: { total: 10_000, pageSize: CLUSTER_PAGE_SIZE } };
    expect(size(summary)).toBeLessThan(MB);
    expect(summary.counts).toEqual(full.counts);
  });

  it('pages through every cluster, each page under 1 MB, in order, none twice', () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = clusterPage(full.clusters, { ...(cursor ? { cursor } : {}), limit: 1_000 });
      expect(size(page)).toBeLessThan(MB);
      seen.push(...page.clusters.map((c) => c.name));
      cursor = page.next;
    } while (cursor);
    expect(seen).toEqual(full.clusters.map((c) => c.name));
  });

  it.each([
    ['no request: the first page of the default size', {}, 0, CLUSTER_PAGE_SIZE, String(CLUSTER_PAGE_SIZE)],
    ['a limit over the maximum is cut to 1,000', { limit: 50_000 }, 0, 1_000, '1000'],
    ['a cursor this query did not give starts over', { cursor: 'abc' }, 0, CLUSTER_PAGE_SIZE, String(CLUSTER_PAGE_SIZE)],
    ['the last page has no next', { cursor: '9900', limit: 500 }, 9_900, 100, undefined],
    ['a cursor past the end is an empty last page', { cursor: '20000' }, 10_000, 0, undefined],
  ])('%s', (_why, req, first, count, next) => {
    const page = clusterPage(full.clusters, req);
    expect(page.clusters.length).toBe(count);
    if (count) expect(page.clusters[0]!.name).toBe(full.clusters[first]!.name);
    expect(page.next).toBe(next);
    expect(page.total).toBe(10_000);
  });
});
