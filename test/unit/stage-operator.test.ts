import { describe, expect, it } from 'vitest';
import { decideRollout } from '../../src/domain/staged/engine.js';
import type { PlannedStage } from '../../src/domain/staged/plan.js';
import { applyAction, countRuns, gatesOf, haltOf, newStagedState, refuseAction, type OperatorAction, type StagedState } from '../../src/domain/staged/operator.js';
import { admitUpgrade, waveDetails, waveProgress, type WaveState } from '../../src/domain/upgrade/wave.js';
import { MaintenancePolicySchema } from '../../src/domain/time/maintenance-window.js';

const stage = (name: string, clusters: string[], over: Partial<PlannedStage> = {}): PlannedStage => ({ name, clusters, maxConcurrency: 1, maxFailures: 0, soakMs: 0, approval: 'none', ...over });
const stages = [stage('dev', ['a', 'b'], { approval: 'before' }), stage('prod', ['c'], { approval: 'after' }), stage('empty', [], { approval: 'before' })];
const AT = '2026-05-01T00:00:00.000Z';

function withRuns(runs: Partial<StagedState['runs']>): StagedState {
  const s = newStagedState(stages);
  return { ...s, runs: { ...s.runs, ...(runs as StagedState['runs']) } };
}

describe('operator actions', () => {
  it('knows the gates of non-empty stages with approval', () => {
    expect(gatesOf(stages)).toEqual(['dev:before', 'prod:after']);
  });

  // each refusal, with the exact words the validator gives the caller
  it.each<[string, StagedState, OperatorAction, string | undefined]>([
    ['an unknown gate', withRuns({}), { action: 'approve', gate: 'qa:before', by: 'x' }, 'no gate qa:before: the gates are dev:before, prod:after'],
    ['a gate approved twice', applyAction(withRuns({}), { action: 'approve', gate: 'dev:before', by: 'x' }, AT), { action: 'approve', gate: 'dev:before', by: 'y' }, 'gate dev:before is already approved'],
    ['resume while running', withRuns({}), { action: 'resume', by: 'x' }, 'not paused'],
    ['retry with nothing failed', withRuns({}), { action: 'retryFailed', by: 'x' }, 'no cluster has failed'],
    ['retry of a cluster that did not fail', withRuns({ a: { status: 'Failed', attempts: 1 } }), { action: 'retryFailed', by: 'x', clusters: ['a', 'b', 'zz'] }, 'only Failed clusters can be retried: b is Pending, zz is not in this operation'],
    ['skip of a running cluster', withRuns({ a: { status: 'Running', attempts: 1 } }), { action: 'skipCluster', by: 'x', cluster: 'a', reason: 'r' }, 'a is Running: a running cluster is not interrupted, wait for it to finish'],
    ['skip of a done cluster', withRuns({ a: { status: 'Succeeded', attempts: 1 } }), { action: 'skipCluster', by: 'x', cluster: 'a', reason: 'r' }, 'a is already Succeeded'],
    ['anything after abort', applyAction(withRuns({}), { action: 'abort', by: 'x', reason: 'r' }, AT), { action: 'pause', by: 'x' }, 'the operation was aborted: it only waits for its running clusters'],
    ['a skip of a failed cluster', withRuns({ a: { status: 'Failed', attempts: 1 } }), { action: 'skipCluster', by: 'x', cluster: 'a', reason: 'r' }, undefined],
    // a cluster waiting for another operation to let go of it can be left out
    ['a skip of a cluster waiting because it was busy', withRuns({ a: { status: 'WaitingBusy', attempts: 0, wakeAt: 1 } }), { action: 'skipCluster', by: 'x', cluster: 'a', reason: 'r' }, undefined],
  ])('%s', (_why, state, action, want) => {
    expect(refuseAction(state, action)).toBe(want);
  });

  it('refuses everything once the operation has finished', () => {
    expect(refuseAction({ ...withRuns({}), final: { outcome: 'Succeeded', message: 'done', at: AT } }, { action: 'pause', by: 'x' })).toBe('the operation has finished (Succeeded): nothing to pause');
  });

  it('retries failed clusters as Pending, keeping their attempts, and audits who and why', () => {
    const s = { ...withRuns({ a: { status: 'Failed', attempts: 2, halts: true, message: 'boom' } }), waiting: { on: 'halt:a', since: 1 } };
    const next = applyAction(s, { action: 'retryFailed', by: 'carol', reason: 'fixed' }, AT);
    expect(next.runs.a).toEqual({ status: 'Pending', attempts: 2, message: 'retry requested by carol' });
    expect(next.audit).toEqual([{ at: AT, action: 'retryFailed', by: 'carol', reason: 'fixed', detail: 'a' }]);
    expect(next.waiting).toBeUndefined(); // any action restarts the operator timeout
    expect(s.runs.a!.status).toBe('Failed'); // the input is not mutated
  });

  it('halts on a failure marked as not undoable, and skipping it lifts the halt', () => {
    const s = withRuns({ b: { status: 'Failed', attempts: 1, halts: true, message: 'control plane stays at 1.36.3' } });
    expect(haltOf(s)).toEqual({ cluster: 'b', message: 'control plane stays at 1.36.3' });
    expect(haltOf(applyAction(s, { action: 'skipCluster', by: 'd', cluster: 'b', reason: 'by hand' }, AT))).toBeUndefined();
  });

  it('counts runs by status', () => {
    expect(countRuns(withRuns({ a: { status: 'Running', attempts: 1 } }).runs)).toMatchObject({ total: 3, Running: 1, Pending: 2 });
  });
});

describe('admitUpgrade', () => {
  const policy = MaintenancePolicySchema.parse({ windows: ['Sat 02:00-06:00 UTC'] });
  const sat3 = Date.parse('2026-05-02T03:00:00Z'); // a Saturday
  it('starts a cluster without a policy, or inside its window', () => {
    expect(admitUpgrade({}, sat3)).toEqual({ start: true });
    expect(admitUpgrade({ maintenance: policy }, sat3)).toEqual({ start: true });
  });
  it('makes a cluster wait for its next opening', () => {
    expect(admitUpgrade({ maintenance: policy }, Date.parse('2026-05-02T07:00:00Z'))).toEqual({
      start: false,
      status: 'WaitingWindow',
      wakeAt: Date.parse('2026-05-09T02:00:00Z'),
      message: 'waiting for its maintenance window, which opens at 2026-05-09T02:00:00.000Z',
    });
  });
  it('skips a cluster whose window never opens within the horizon', () => {
    const frozen = MaintenancePolicySchema.parse({ windows: ['Sat 02:00-06:00 UTC'], exclusions: [{ from: '2026-05-01', to: '2027-12-31', reason: 'frozen' }] });
    expect(admitUpgrade({ maintenance: frozen }, sat3)).toMatchObject({ start: false, status: 'Skipped', message: expect.stringMatching(/^not upgraded: no maintenance window opens within 400 days/) });
  });
});

describe('waveProgress', () => {
  const wave = (s: StagedState): WaveState => ({
    ...s,
    upgrades: Object.fromEntries(['a', 'b', 'c'].map((n) => [n, { name: n, environment: n === 'c' ? 'prod' : 'dev', from: '1.35.4', to: '1.36' }])),
    leftOut: { upToDate: [], refused: [{ name: 'old', target: '1.36', refusals: [] }], excluded: [], unassigned: [] },
    startedAt: AT,
    generation: 0,
  });
  it('says what the wave waits for, per stage and per cluster, with the next gate', () => {
    const s = wave(withRuns({}));
    const now = Date.parse(AT);
    const p = waveProgress(s, decideRollout({ stages: s.stages, runs: s.runs, operator: s.operator, now }), now);
    expect(p).toMatchObject({ outcome: 'InProgress', summary: 'stage dev: waiting for approval of gate dev:before', gate: 'dev:before', nextGate: 'dev:before', waitingFor: 'approval' });
    expect(p.clusters.map((c) => [c.name, c.stage, c.status, c.to])).toEqual([['a', 'dev', 'Pending', '1.36'], ['b', 'dev', 'Pending', '1.36'], ['c', 'prod', 'Pending', '1.36']]);
    expect(waveDetails(p, now).split('\n')).toEqual([
      '**Running**: stage dev: waiting for approval of gate dev:before',
      '',
      '0 done, 0 failed, 0 running, 0 waiting for a window, 3 pending, 0 skipped (of 3)',
      '- dev: AwaitingApproval, 0/2 done (2 pending), failure budget 0',
      '- prod: Pending, 0/1 done (1 pending), failure budget 0',
      '- empty: Pending, 0/0 done, failure budget 0',
      '',
      'next gate: dev:before',
      'left out: 1 (see the getWaveProgress query)',
    ]);
  });

  it('asks the operator to act after a breach', () => {
    const s = wave(applyAction(withRuns({ a: { status: 'Failed', attempts: 1, endedAt: 1 } }), { action: 'approve', gate: 'dev:before', by: 'x' }, AT));
    const p = waveProgress(s, decideRollout({ stages: s.stages, runs: s.runs, operator: s.operator, now: 2 }), 2);
    expect(p).toMatchObject({ waitingFor: 'operator', breach: { stage: 'dev', failed: 1, budget: 0 } });
    expect(p.summary).toBe('halted: stage dev has 1 failures, over its budget of 0; waiting for the operator to retry the failed clusters, skip them, or abort');
  });
});
