import { describe, expect, it } from 'vitest';
import type { PlacementDecision } from '../../src/domain/placement/decide.js';
import { avoidNow, logMove, newPlacedBundleState, outdatedClusters, PlacedBundleInputSchema, placementStatus, planMoves, MOVE_LOG_LIMIT, refuseBundleUpdate, stampRevisions } from '../../src/domain/placement/placed-bundle.js';
import { describeProblems, parseWith } from '../../src/domain/validation.js';

const decision = (chosen: string[], wanted: number | 'all' = chosen.length): PlacementDecision => ({ wanted, chosen, clusters: [], failingSince: {}, summary: '' });
const active = (...names: string[]) => names.map((name) => ({ name, phase: 'Active' as const }));
const placed = (...names: string[]) => Object.fromEntries(names.map((n) => [n, { since: '2026-11-30T12:00:00Z' }]));

describe('planMoves', () => {
  it.each([
    // Nothing placed yet: the chosen clusters get the bundle, at most maxConcurrent at once.
    ['first placement, one at a time', decision(['a', 'b']), placed(), active('a', 'b'), 1, { add: ['a'], remove: [], forget: [] }],
    ['first placement, two at once', decision(['a', 'b']), placed(), active('a', 'b'), 2, { add: ['a', 'b'], remove: [], forget: [] }],
    // a is no longer chosen: it keeps the bundle until b has it, so 1 cluster serves throughout.
    ['move: add before remove', decision(['b'], 1), placed('a'), active('a', 'b'), 1, { add: ['b'], remove: [], forget: [], holding: 'a keeps the bundle until 1 chosen clusters have it (0 do)' }],
    ['move: remove once the new one has it', decision(['b'], 1), placed('a', 'b'), active('a', 'b'), 1, { add: [], remove: ['a'], forget: [] }],
    // No replacement can be placed: a stays rather than drop below the requested count.
    ['no replacement: keep', decision([], 1), placed('a'), active('a'), 1, { add: [], remove: [], forget: [], holding: 'a keeps the bundle until 1 chosen clusters have it (0 do)' }],
    // A decommissioned or vanished cluster has nothing to remove from.
    ['gone: forget', decision(['b'], 1), placed('a', 'b'), [{ name: 'a', phase: 'Deleted' as const }, ...active('b')], 1, { add: [], remove: [], forget: ['a'] }],
    ['all: a new cluster joins', decision(['a', 'b', 'c'], 'all'), placed('a', 'b'), active('a', 'b', 'c'), 1, { add: ['c'], remove: [], forget: [] }],
  ])('%s', (_why, d, p, fleet, max, want) => {
    expect(planMoves(d, p, fleet, max)).toEqual(want);
  });
});

describe('placed bundle state', () => {
  it('avoids a cluster whose apply failed until retryFailedAfter has passed', () => {
    const s = { failed: { a: { at: '2026-11-30T12:00:00.000Z', message: 'ClusterUnhealthy' } } };
    const at = Date.parse('2026-11-30T12:00:00.000Z');
    expect(avoidNow(s, 600_000, at + 599_000)).toEqual({ a: 'its apply failed at 2026-11-30T12:00:00.000Z (ClusterUnhealthy); tried again after 600 s' });
    expect(avoidNow(s, 600_000, at + 600_000)).toEqual({});
  });

  it('keeps the newest moves first, bounded', () => {
    let s = newPlacedBundleState();
    for (let i = 0; i < MOVE_LOG_LIMIT + 5; i++) s = logMove(s, { at: `t${i}`, cluster: `c${i}`, action: 'add', outcome: 'Succeeded', message: '' });
    expect(s.moves).toHaveLength(MOVE_LOG_LIMIT);
    expect(s.moves[0]!.cluster).toBe(`c${MOVE_LOG_LIMIT + 4}`);
    expect(s.lastMoveAt).toBe(`t${MOVE_LOG_LIMIT + 4}`);
  });

  it('sums up where the bundle is', () => {
    const s = { ...newPlacedBundleState(), placed: placed('b', 'a') };
    expect(placementStatus({ name: 'shop', bundle: { name: 'shop', revision: 'v1' } }, s).summary).toBe('shop@v1 on 2 clusters: a, b; not evaluated yet');
  });

  it('refuses a bad input naming each field', () => {
    const r = parseWith(PlacedBundleInputSchema, { name: 'Shop!', placement: { numberOfClusters: 0 }, bundle: { name: 'shop', revision: 'v1', manifests: [] }, reevaluateEvery: '1s', maxConcurrentMoves: 0 }, 'input');
    expect(!r.ok && describeProblems(r.problems).split('; ').sort()).toEqual([
      'input.maxConcurrentMoves: must be at least 1',
      'input.name: must be lowercase letters, digits and "-", starting and ending alphanumeric',
      'input.placement.numberOfClusters: must be at least 1',
      'input.reevaluateEvery: must be at least 5s',
    ]);
  });
});

describe('bundle updates', () => {
  const current = { name: 'shop', revision: 'v1' };
  it.each([
    ['another revision of the same bundle', { name: 'shop', revision: 'v2' }, {}, undefined],
    ['another bundle', { name: 'cart', revision: 'v2' }, {}, 'bundle.name: cart is not shop, the bundle this placement holds (a placement keeps one bundle: delete it and start another)'],
    ['the same revision', { name: 'shop', revision: 'v1' }, {}, 'bundle.revision: v1 is the revision placed already'],
    ['while another update is taken in', { name: 'shop', revision: 'v3' }, { updating: 'v2' }, 'an update to v2 is being taken in; try again once it is'],
    ['while deleting', { name: 'shop', revision: 'v2' }, { deleting: true }, 'the placement is being deleted'],
  ])('refuseBundleUpdate: %s', (_name, next, busy, want) => {
    expect(refuseBundleUpdate(current, next, { deleting: false, ...busy })).toBe(want);
  });

  const s = (p: Record<string, { since: string; revision?: string }>, failed: Record<string, { at: string; message: string }> = {}) => ({ placed: p, failed });
  it.each([
    ['nothing older', s({ a: { since: 'T' }, b: { since: 'T', revision: 'v2' } }), ['a', 'b'], {}, []],
    ['chosen clusters at an older revision, by name', s({ b: { since: 'T', revision: 'v1' }, a: { since: 'T', revision: 'v1' } }), ['b', 'a'], {}, ['a', 'b']],
    // c is leaving the placement: it is removed, not updated.
    ['not a cluster that is no longer chosen', s({ a: { since: 'T', revision: 'v1' }, c: { since: 'T', revision: 'v1' } }), ['a'], {}, ['a']],
    ['not one whose apply failed lately', s({ a: { since: 'T', revision: 'v1' }, b: { since: 'T', revision: 'v1' } }), ['a', 'b'], { b: 'failed' }, ['a']],
    ['not one chosen but without the bundle yet (that is an add)', s({}), ['a'], {}, []],
  ])('outdatedClusters: %s', (_name, state, chosen, avoid, want) => {
    expect(outdatedClusters(state, chosen, 'v2', avoid)).toEqual(want);
  });

  it('stampRevisions: each placed cluster keeps the revision it has into the next run', () => {
    const state = { ...newPlacedBundleState(), placed: { a: { since: 'T' }, b: { since: 'U', revision: 'v0' } } };
    expect(stampRevisions(state, 'v1').placed).toEqual({ a: { since: 'T', revision: 'v1' }, b: { since: 'U', revision: 'v0' } });
  });
});
