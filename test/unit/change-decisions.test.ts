import { describe, expect, it } from 'vitest';
import { gateToTell, stagedEvents } from '../../src/domain/change/events.js';
import { endFromFailure, endFromResult, operationWorkflowIdOf } from '../../src/domain/change/outcome.js';
import { changeIdOf } from '../../src/domain/change/request.js';
import type { StageProgress, WaitReason } from '../../src/domain/staged/engine.js';
import { requireGates, type PlannedStage } from '../../src/domain/staged/plan.js';

const stage = (name: string, clusters: string[], approval: PlannedStage['approval'] = 'none'): PlannedStage => ({ name, clusters, maxConcurrency: 1, maxFailures: 0, soakMs: 0, approval });
const env: Record<string, string> = { 'a-dev': 'dev', 'b-dev': 'dev', 'c-prod': 'prod', 'd-stg': 'staging' };

describe('requireGates: the policy puts a gate before every stage that touches production', () => {
  const cases: { why: string; stages: PlannedStage[]; gated: string[]; approvals: string[] }[] = [
    { why: 'no gated environments: the plan is unchanged', stages: [stage('dev', ['a-dev']), stage('prod', ['c-prod'])], gated: [], approvals: ['none', 'none'] },
    { why: 'a stage with a prod cluster and no gate gets one before it', stages: [stage('dev', ['a-dev']), stage('prod', ['c-prod'])], gated: ['prod'], approvals: ['none', 'before'] },
    { why: 'a mixed stage counts: one prod cluster is enough', stages: [stage('all', ['a-dev', 'c-prod'])], gated: ['prod'], approvals: ['before'] },
    { why: 'a gate the plan already has is kept, after included', stages: [stage('prod', ['c-prod'], 'after')], gated: ['prod'], approvals: ['after'] },
    { why: 'stages without gated clusters keep no gate', stages: [stage('stg', ['d-stg'])], gated: ['prod', 'production'], approvals: ['none'] },
    { why: 'an unknown cluster is not assumed to be prod', stages: [stage('x', ['ghost'])], gated: ['prod'], approvals: ['none'] },
  ];
  it.each(cases)('$why', ({ stages, gated, approvals }) => {
    expect(requireGates(stages, (n) => env[n], gated).map((s) => s.approval)).toEqual(approvals);
  });
});

const progress = (name: string, status: StageProgress['status'], over: Partial<StageProgress> = {}): StageProgress =>
  ({ name, status, total: 2, pending: 0, running: 0, succeeded: 2, failed: 0, skipped: 0, waitingWindow: 0, waitingBusy: 0, timedOut: 0, maxFailures: 0, ...over }) as StageProgress;

describe('stagedEvents: each gate and each finished stage is told once', () => {
  const at = '2026-11-30T12:00:00.000Z';
  it('tells a waiting gate, then the stage that finished, never twice', () => {
    const seen = new Set<string>();
    expect(stagedEvents({ stages: [progress('canary', 'AwaitingApproval')], waitingFor: 'approval', gate: 'canary:before' }, seen, at)).toEqual([{ type: 'waiting', at, data: { gate: 'canary:before' } }]);
    expect(stagedEvents({ stages: [progress('canary', 'AwaitingApproval')], waitingFor: 'approval', gate: 'canary:before' }, seen, at)).toEqual([]);
    expect(stagedEvents({ stages: [progress('canary', 'Succeeded'), progress('rest', 'Running')] }, seen, at)).toEqual([
      { type: 'stageFinished', at, data: { stage: 'canary', status: 'Succeeded', succeeded: 2, failed: 0, skipped: 0, total: 2 } },
    ]);
    expect(stagedEvents({ stages: [progress('canary', 'Succeeded'), progress('rest', 'Failed', { succeeded: 0, failed: 2 })] }, seen, at).map((e) => e.data.stage)).toEqual(['rest']);
  });
  it('stays quiet on the first look of a continued run, and tells what is new after it', () => {
    const seen = new Set<string>();
    expect(stagedEvents({ stages: [progress('canary', 'Succeeded')], waitingFor: 'approval', gate: 'rest:before' }, seen, at, true)).toEqual([]);
    expect(stagedEvents({ stages: [progress('canary', 'Succeeded'), progress('rest', 'Succeeded')] }, seen, at).map((e) => e.data.stage)).toEqual(['rest']);
  });
});

describe('gateToTell: the change hears of the gate its operation waits at when it changes', () => {
  const cases: [string, { waitingFor?: WaitReason; gate?: string }, string | undefined, { gate: string | undefined } | undefined][] = [
    // A gate starts waiting: the change waits too.
    ['a gate starts waiting', { waitingFor: 'approval', gate: 'prod:before' }, undefined, { gate: 'prod:before' }],
    // Still the same gate: nothing new (decisions come often).
    ['the same gate again', { waitingFor: 'approval', gate: 'prod:before' }, 'prod:before', undefined],
    // Approved, the operation runs: the change runs again.
    ['the gate was passed', { waitingFor: 'running' }, 'prod:before', { gate: undefined }],
    // The next gate right after the one before (an "after" gate, then the next stage's "before").
    ['another gate', { waitingFor: 'approval', gate: 'prod:before' }, 'dev:after', { gate: 'prod:before' }],
    // A soak or a paused operation is no approval gate.
    ['a soak is no gate', { waitingFor: 'soak' }, undefined, undefined],
    ['a pause after a gate: the gate was passed', { waitingFor: 'resume' }, 'prod:before', { gate: undefined }],
    ['nothing waits, nothing told before', {}, undefined, undefined],
  ];
  it.each(cases)('%s', (_why, d, told, expected) => {
    expect(gateToTell(d, told)).toEqual(expected);
  });
});

describe('how a change ends', () => {
  const cases: { why: string; end: ReturnType<typeof endFromResult>; state: string; event: string }[] = [
    { why: 'a result that succeeded', end: endFromResult({ outcome: 'Succeeded', message: '2 of 2 done' }), state: 'Succeeded', event: 'succeeded' },
    { why: 'a staged result that was aborted', end: endFromResult({ outcome: 'Aborted', message: 'aborted by oidc:bob' }), state: 'Aborted', event: 'aborted' },
    { why: 'an aborted rollout that rolled clusters back', end: endFromResult({ outcome: 'Aborted', message: 'x', rolledBack: ['web-1'] }), state: 'RolledBack', event: 'rolledBack' },
    { why: 'a one-cluster result (no outcome field)', end: endFromResult({ name: 'web-1' }), state: 'Succeeded', event: 'succeeded' },
    { why: 'a failure whose details name rolled-back clusters', end: endFromFailure('budget breached', 'FailureBudgetExceeded', { rolledBack: ['web-1'] }), state: 'RolledBack', event: 'rolledBack' },
    { why: 'a failure without a rollback', end: endFromFailure('no capacity', 'ProviderFailed', undefined), state: 'Failed', event: 'failed' },
  ];
  it.each(cases)('$why', ({ end, state, event }) => expect([end.state, end.event]).toEqual([state, event]));

  it('names the operation by its conventional id, or under the change for staged ones', () => {
    const id = changeIdOf({ system: 'servicenow', id: 'CHG1' });
    expect(id).toBe('change/servicenow/CHG1');
    expect(operationWorkflowIdOf(id, 'provision', { spec: { name: 'edge-1' } })).toBe('provision/edge-1');
    expect(operationWorkflowIdOf(id, 'upgradeCluster', { name: 'web-1' })).toBe('upgrade/web-1');
    expect(operationWorkflowIdOf(id, 'decommission', { name: 'web-1' })).toBe('decommission/web-1');
    expect(operationWorkflowIdOf(id, 'rollout', {})).toBe('change/servicenow/CHG1/operation');
  });
});
