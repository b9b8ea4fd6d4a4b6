import { describe, expect, it } from 'vitest';
import { isApplyReach, mergeReach, rollbackPlan, type ApplyReach, type RolloutState } from '../../src/domain/rollout/fleet-rollout.js';
import type { TrackedRun } from '../../src/domain/staged/operator.js';

const ok: TrackedRun = { status: 'Succeeded', attempts: 1 };
const failed: TrackedRun = { status: 'Failed', attempts: 1 };
const bundle = { name: 'shop', revision: 'v2' };
const plan = (runs: Record<string, TrackedRun>, reach?: Record<string, ApplyReach>) => rollbackPlan({ runs, bundle, ...(reach ? { reach } : {}) } as Pick<RolloutState, 'runs' | 'reach' | 'bundle'>);

describe('rollbackPlan', () => {
  it.each<[string, Record<string, TrackedRun>, Record<string, ApplyReach> | undefined, ReturnType<typeof rollbackPlan>]>([
    // each cluster goes back to exactly what the rollout found there
    ['a cluster that had v1 goes back to v1', { a: ok }, { a: { claimed: true, before: 'v1' } }, [{ cluster: 'a', to: 'v1' }]],
    ['a cluster that had no revision loses the bundle', { a: ok }, { a: { claimed: true } }, [{ cluster: 'a', to: null }]],
    ['a failed apply is undone too (it may be half-applied)', { a: failed }, { a: { claimed: true, before: 'v1' } }, [{ cluster: 'a', to: 'v1' }]],
    // left alone: nothing changed there
    ['a cluster already at v2 is left alone (a re-roll)', { a: ok }, { a: { claimed: true, before: 'v2' } }, []],
    ['a cluster whose claim was refused is left alone', { a: failed }, { a: { claimed: false } }, []],
    ['a cluster never started is left alone', { a: { status: 'Pending', attempts: 0 } }, {}, []],
    // settled before reach was recorded (older code, or a child that ended without saying): as before
    ['a cluster without a reach is undone by its record', { a: ok, b: failed, c: { status: 'Skipped', attempts: 1 } }, undefined, [{ cluster: 'a' }, { cluster: 'b' }, { cluster: 'c' }]],
    ['a retried cluster left pending is undone if an attempt reached it', { a: { status: 'Pending', attempts: 1 } }, { a: { claimed: true, before: 'v1' } }, [{ cluster: 'a', to: 'v1' }]],
  ])('%s', (_why, runs, reach, want) => {
    expect(plan(runs, reach)).toEqual(want);
  });
});

describe('mergeReach', () => {
  it.each<[string, ApplyReach | undefined, ApplyReach, ApplyReach]>([
    ['the first report is kept as is', undefined, { claimed: true, before: 'v1' }, { claimed: true, before: 'v1' }],
    // a retry after a half-applied attempt finds v2 there: what counts is what was there before the rollout
    ['a retry does not overwrite what the first claim found', { claimed: true, before: 'v1' }, { claimed: true, before: 'v2' }, { claimed: true, before: 'v1' }],
    ['nor does a refused retry', { claimed: true }, { claimed: false }, { claimed: true }],
    ['a claim after a refusal is what counts', { claimed: false }, { claimed: true, before: 'v1' }, { claimed: true, before: 'v1' }],
  ])('%s', (_why, prev, next, want) => {
    expect(mergeReach(prev, next)).toEqual(want);
  });
});

describe('isApplyReach', () => {
  it.each<[unknown, boolean]>([
    [{ claimed: false }, true],
    [{ claimed: true }, true],
    [{ claimed: true, before: 'v1' }, true],
    [{ claimed: true, before: 3 }, false],
    [{ claimed: 'yes' }, false],
    [undefined, false],
    ['claimed', false],
  ])('%j -> %s', (v, want) => {
    expect(isApplyReach(v)).toBe(want);
  });
});
