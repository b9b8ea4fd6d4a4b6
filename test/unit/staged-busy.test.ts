import { describe, expect, it } from 'vitest';
import { BUSY_DEFAULT_LIMIT_MS, busyBackoff, busyClusters, busyLines, runAfterBusy } from '../../src/domain/staged/busy.js';
import type { TrackedRun } from '../../src/domain/staged/operator.js';

const T0 = Date.parse('2026-06-01T10:00:00Z');
const S = 1_000;
const MIN = 60 * S;
const iso = (ms: number) => new Date(ms).toISOString();
const REASON = 'apply failed: cluster c1 is busy: reconcile operation reconcile/c1/shop has been running since 2026-06-01T09:59:00.000Z';

describe('busyBackoff', () => {
  // doubles from 30 s and stops at 5 min
  it.each([
    [1, 30 * S],
    [2, MIN],
    [3, 2 * MIN],
    [4, 4 * MIN],
    [5, 5 * MIN],
    [12, 5 * MIN],
  ])('after refusal %i waits %i ms', (refusals, want) => {
    expect(busyBackoff(refusals)).toBe(want);
  });
});

describe('runAfterBusy', () => {
  const running = (over: Partial<TrackedRun> = {}): TrackedRun => ({ status: 'Running', attempts: 1, startedAt: T0, ...over });
  const deadline10m = { progressDeadlineMs: 10 * MIN };

  it.each<[string, TrackedRun, { progressDeadlineMs?: number } | undefined, number, TrackedRun]>([
    // the first refusal: a refusal is not an attempt, the clock starts at the first start
    ['waits 30 s after the first refusal', running(), deadline10m, T0, { status: 'WaitingBusy', attempts: 0, wakeAt: T0 + 30 * S, busy: { since: T0, refusals: 1 }, message: `${REASON}; next try at ${iso(T0 + 30 * S)}` }],
    // a retry keeps the first start as `since` and doubles the wait
    ['waits twice as long after the second', running({ startedAt: T0 + 30 * S, busy: { since: T0, refusals: 1 } }), deadline10m, T0 + 30 * S, { status: 'WaitingBusy', attempts: 0, wakeAt: T0 + 90 * S, busy: { since: T0, refusals: 2 }, message: `${REASON}; next try at ${iso(T0 + 90 * S)}` }],
    // the next try never lands past the deadline: the last one is at the deadline itself
    ['tries a last time at the deadline', running({ startedAt: T0 + 450 * S, busy: { since: T0, refusals: 4 } }), deadline10m, T0 + 450 * S, { status: 'WaitingBusy', attempts: 0, wakeAt: T0 + 10 * MIN, busy: { since: T0, refusals: 5 }, message: `${REASON}; next try at ${iso(T0 + 10 * MIN)}` }],
    ['fails once the deadline has passed, with the reason', running({ startedAt: T0 + 10 * MIN, busy: { since: T0, refusals: 5 } }), deadline10m, T0 + 10 * MIN, { status: 'Failed', attempts: 0, startedAt: T0, endedAt: T0 + 10 * MIN, message: `still busy after 10m: ${REASON}` }],
    // a stage without a progress deadline waits an hour
    ['waits an hour in a stage without a deadline', running({ busy: { since: T0 - BUSY_DEFAULT_LIMIT_MS + MIN, refusals: 9 } }), undefined, T0, { status: 'WaitingBusy', attempts: 0, wakeAt: T0 + MIN, busy: { since: T0 - BUSY_DEFAULT_LIMIT_MS + MIN, refusals: 10 }, message: `${REASON}; next try at ${iso(T0 + MIN)}` }],
    ['then fails', running({ busy: { since: T0 - BUSY_DEFAULT_LIMIT_MS, refusals: 10 } }), undefined, T0, { status: 'Failed', attempts: 0, startedAt: T0 - BUSY_DEFAULT_LIMIT_MS, endedAt: T0, message: `still busy after 1h: ${REASON}` }],
    // an operator's retry of a failed cluster counted one attempt before: it stays counted
    ['keeps the attempts that ran', running({ attempts: 2 }), deadline10m, T0, { status: 'WaitingBusy', attempts: 1, wakeAt: T0 + 30 * S, busy: { since: T0, refusals: 1 }, message: `${REASON}; next try at ${iso(T0 + 30 * S)}` }],
  ])('%s', (_why, run, stage, now, want) => {
    expect(runAfterBusy(run, stage, now, REASON)).toEqual(want);
  });
});

describe('busy clusters in the details', () => {
  const waiting = (message: string): TrackedRun => ({ status: 'WaitingBusy', attempts: 0, wakeAt: T0, message });

  it('lists the busy clusters by name with why, the first few only', () => {
    const runs: Record<string, TrackedRun> = { b: waiting('b is busy'), a: waiting('a is busy'), c: { status: 'Failed', attempts: 1, message: 'broken' } };
    expect(busyClusters(runs)).toEqual([{ name: 'a', message: 'a is busy' }, { name: 'b', message: 'b is busy' }]);
    expect(busyLines(busyClusters(runs), 1)).toEqual(['', 'waiting for busy clusters:', '- a: a is busy', '- and 1 more (see the progress query)']);
    expect(busyLines([])).toEqual([]);
  });
});
