import { describe, expect, it } from 'vitest';
import { decideRollout, describeDecision, gateId, stageLine, type ClusterRun, type EngineInput } from '../../src/domain/staged/engine.js';
import type { PlannedStage } from '../../src/domain/staged/plan.js';

const T0 = Date.parse('2026-06-01T10:00:00Z');
const MIN = 60_000;

function stage(name: string, clusters: string[], over: Partial<PlannedStage> = {}): PlannedStage {
  return { name, clusters, maxConcurrency: 1, maxFailures: 0, soakMs: 0, approval: 'none', ...over };
}

const STAGES = [
  stage('canary', ['c1'], { approval: 'after', soakMs: 30 * MIN }),
  stage('rest', ['c2', 'c3', 'c4', 'c5'], { maxConcurrency: 2, maxFailures: 1, progressDeadlineMs: 20 * MIN }),
];

const ok = (endedAt = T0): ClusterRun => ({ status: 'Succeeded', startedAt: endedAt - MIN, endedAt });
const bad = (endedAt = T0): ClusterRun => ({ status: 'Failed', startedAt: endedAt - MIN, endedAt });
const running = (startedAt = T0): ClusterRun => ({ status: 'Running', startedAt });

function decide(runs: EngineInput['runs'], over: Partial<EngineInput> = {}) {
  return decideRollout({ stages: STAGES, runs, operator: {}, now: T0, ...over });
}

describe('decideRollout', () => {
  it.each<[string, Partial<EngineInput> & { runs: EngineInput['runs'] }, object]>([
    ['a fresh rollout starts the canary', { runs: {} }, { outcome: 'InProgress', stage: 'canary', start: ['c1'] }],
    ['a running canary is waited on', { runs: { c1: running() } }, { outcome: 'InProgress', stage: 'canary', start: [], waitingFor: 'running' }],
    ['a done canary waits for its after-gate', { runs: { c1: ok() } }, { outcome: 'InProgress', stage: 'canary', waitingFor: 'approval', gate: 'canary:after' }],
    // soak is measured from the canary's end: approved at T0+10m, it soaks until T0+30m
    ['then soaks', { runs: { c1: ok() }, operator: { approvals: ['canary:after'] }, now: T0 + 10 * MIN }, { waitingFor: 'soak', wakeAt: T0 + 30 * MIN, stage: 'canary' }],
    ['then starts the next stage two at a time, in plan order', { runs: { c1: ok() }, operator: { approvals: ['canary:after'] }, now: T0 + 30 * MIN }, { stage: 'rest', start: ['c2', 'c3'] }],
    ['fills a freed slot', { runs: { c1: ok(), c2: ok(T0 + 40 * MIN), c3: running(T0 + 31 * MIN) }, operator: { approvals: ['canary:after'] }, now: T0 + 41 * MIN }, { start: ['c4'] }],
    // a running cluster's deadline is when to look again
    ['wakes at the earliest progress deadline while all slots are busy', { runs: { c1: ok(), c2: running(T0 + 31 * MIN), c3: running(T0 + 35 * MIN) }, operator: { approvals: ['canary:after'] }, now: T0 + 40 * MIN }, { start: [], waitingFor: 'running', wakeAt: T0 + 51 * MIN }],
    ['one failure is within a budget of one', { runs: { c1: ok(), c2: bad(T0 + 40 * MIN), c3: running(T0 + 35 * MIN) }, operator: { approvals: ['canary:after'] }, now: T0 + 41 * MIN }, { outcome: 'InProgress', start: ['c4'] }],
    ['two failures breach it and halt the rollout', { runs: { c1: ok(), c2: bad(), c3: bad(), c4: running(T0 + 35 * MIN) }, operator: { approvals: ['canary:after'] }, now: T0 + 41 * MIN }, { outcome: 'Failed', start: [], breach: { stage: 'rest', failed: 2, budget: 1 } }],
    // a timed-out cluster counts as failed and frees its slot
    ['a cluster past its deadline counts as failed and frees its slot', { runs: { c1: ok(), c2: running(T0 + 31 * MIN), c3: running(T0 + 50 * MIN) }, operator: { approvals: ['canary:after'] }, now: T0 + 52 * MIN }, { outcome: 'InProgress', start: ['c4'], timedOut: ['c2'] }],
    ['a failed canary with budget 0 halts at once', { runs: { c1: bad() } }, { outcome: 'Failed', stage: 'canary', breach: { stage: 'canary', failed: 1, budget: 0 } }],
    ['everything done is success, even with failures within budget', { runs: { c1: ok(), c2: ok(), c3: bad(), c4: ok(), c5: { status: 'Skipped' } }, operator: { approvals: ['canary:after'] }, now: T0 + 2 * 60 * MIN }, { outcome: 'Succeeded', start: [] }],
    ['pause starts nothing new', { runs: { c1: ok() }, operator: { approvals: ['canary:after'], paused: true }, now: T0 + 31 * MIN }, { outcome: 'InProgress', stage: 'rest', start: [], waitingFor: 'resume' }],
    ['abort ends it', { runs: { c1: running() }, operator: { aborted: true } }, { outcome: 'Aborted', start: [] }],
  ])('%s', (_why, input, expected) => {
    const { runs, ...over } = input;
    expect(decide(runs, over)).toMatchObject(expected);
  });

  it('waits for an approval before a stage that asks for one, and only that gate opens it', () => {
    const stages = [stage('prod', ['p1', 'p2'], { approval: 'before' })];
    expect(decideRollout({ stages, runs: {}, operator: { approvals: ['prod:after'] }, now: T0 })).toMatchObject({ waitingFor: 'approval', gate: 'prod:before', start: [] });
    expect(decideRollout({ stages, runs: {}, operator: { approvals: [gateId('prod', 'before')] }, now: T0 })).toMatchObject({ start: ['p1'] });
  });

  it('does not occupy slots with clusters waiting for their window and restarts them once it opens', () => {
    const stages = [stage('s', ['a', 'b', 'c'], { maxConcurrency: 1 })];
    const waiting: ClusterRun = { status: 'WaitingWindow', wakeAt: T0 + 60 * MIN };
    // a waits for its window: b may go
    expect(decideRollout({ stages, runs: { a: waiting }, operator: {}, now: T0 })).toMatchObject({ start: ['b'] });
    // all waiting: sleep until the first window opens
    const allWaiting = { a: waiting, b: { status: 'WaitingWindow', wakeAt: T0 + 30 * MIN } as ClusterRun, c: waiting };
    expect(decideRollout({ stages, runs: allWaiting, operator: {}, now: T0 })).toMatchObject({ start: [], waitingFor: 'window', wakeAt: T0 + 30 * MIN });
    // once it has opened, the cluster is started again (the workflow re-checks its window)
    expect(decideRollout({ stages, runs: allWaiting, operator: {}, now: T0 + 30 * MIN })).toMatchObject({ start: ['b'] });
  });

  it('does not count a busy cluster as failed nor let it occupy a slot, and tries it again at its wake time', () => {
    const stages = [stage('s', ['a', 'b', 'c'], { maxConcurrency: 1, maxFailures: 0 })];
    const busy = (wakeAt: number): ClusterRun => ({ status: 'WaitingBusy', wakeAt });
    // a waits for another operation to let go of it: no breach, and b takes the slot
    expect(decideRollout({ stages, runs: { a: busy(T0 + MIN) }, operator: {}, now: T0 })).toMatchObject({ outcome: 'InProgress', start: ['b'] });
    // everything else done: wait for the busy one, waking at its next try
    const rest = { b: ok(), c: ok() };
    expect(decideRollout({ stages, runs: { a: busy(T0 + MIN), ...rest }, operator: {}, now: T0 })).toMatchObject({ outcome: 'InProgress', start: [], waitingFor: 'busy', wakeAt: T0 + MIN });
    // its time has come: started again
    expect(decideRollout({ stages, runs: { a: busy(T0 + MIN), ...rest }, operator: {}, now: T0 + MIN })).toMatchObject({ start: ['a'] });
    // the earliest waiter decides what the stage waits for
    const both = { a: busy(T0 + 2 * MIN), b: { status: 'WaitingWindow', wakeAt: T0 + MIN } as ClusterRun, c: ok() };
    expect(decideRollout({ stages, runs: both, operator: {}, now: T0 })).toMatchObject({ waitingFor: 'window', wakeAt: T0 + MIN });
    const d = decideRollout({ stages, runs: { a: busy(T0 + MIN), ...rest }, operator: {}, now: T0 });
    expect(stageLine(d.stages[0]!)).toBe('s: Running, 2/3 done (2 succeeded, 1 waiting for a busy cluster), failure budget 0');
    expect(describeDecision(d, T0)).toBe('stage s: waiting for busy clusters to be free, next try (1m from now)');
  });

  it('passes empty stages without gates and does not soak after the last stage', () => {
    const stages = [stage('empty', [], { approval: 'before', soakMs: 60 * MIN }), stage('last', ['x'], { soakMs: 60 * MIN })];
    expect(decideRollout({ stages, runs: {}, operator: {}, now: T0 })).toMatchObject({ stage: 'last', start: ['x'] });
    expect(decideRollout({ stages, runs: { x: ok() }, operator: {}, now: T0 })).toMatchObject({ outcome: 'Succeeded' });
  });

  it('is deterministic: same input, same answer', () => {
    const input: EngineInput = { stages: STAGES, runs: { c1: ok() }, operator: { approvals: ['canary:after'] }, now: T0 + 31 * MIN };
    expect(decideRollout(input)).toEqual(decideRollout(structuredClone(input)));
  });
});

describe('progress text', () => {
  it('counts per stage and says what the rollout waits for', () => {
    const runs = { c1: ok(), c2: ok(T0 + 40 * MIN), c3: running(T0 + 31 * MIN), c4: { status: 'WaitingWindow', wakeAt: T0 + 120 * MIN } as ClusterRun };
    const d = decide(runs, { operator: { approvals: ['canary:after'] }, now: T0 + 41 * MIN });
    expect(d.stages.map(stageLine)).toEqual([
      'canary: Succeeded, 1/1 done (1 succeeded), failure budget 0',
      'rest: Running, 1/4 done (1 succeeded, 1 running, 1 waiting for a window, 1 pending), failure budget 1',
    ]);
    expect(describeDecision(d, T0 + 41 * MIN)).toBe('stage rest: starting c5');
    const soaking = decide({ c1: ok() }, { operator: { approvals: ['canary:after'] }, now: T0 + 10 * MIN });
    expect(describeDecision(soaking, T0 + 10 * MIN)).toBe('stage canary: soaking (20m from now)');
    expect(describeDecision(decide({ c1: bad() }), T0)).toBe('halted: stage canary has 1 failures, over its budget of 0');
  });
});
