import { describe, expect, it } from 'vitest';
import { clearCheckProblem, nextCheckDelay, operationCheckDelay, recordCheckFailure, recordHealth } from '../../src/domain/cluster/checks.js';
import { finishOperation, newClusterState } from '../../src/domain/cluster/lifecycle.js';
import type { ClusterState } from '../../src/domain/cluster/state.js';
import { ClusterSpecSchema } from '../../src/domain/cluster/spec.js';

const T0 = Date.parse('2026-11-25T10:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
const spec = ClusterSpecSchema.parse({ name: 'web-1', provider: 'local', healthCheckInterval: '1m' });
const active = (over: Partial<ClusterState> = {}): ClusterState => ({
  ...newClusterState(spec, iso(T0)),
  phase: 'Active',
  health: { status: 'Healthy', reasons: ['ok'], checkedAt: iso(T0) },
  ...over,
});

describe('nextCheckDelay', () => {
  it.each([
    // why each case
    ['waits out the rest of the interval after the last check', active(), T0 + 20_000, 40_000],
    ['is due at once when the interval has passed', active(), T0 + 90_000, 0],
    ['is due at once when never checked', active({ health: { status: 'Unknown', reasons: [] } }), T0, 0],
    ['checks a Degraded cluster too, to see it recover', active({ phase: 'Degraded' }), T0 + 60_000, 0],
    ['never overlaps a running operation', active({ current: { id: 'op', type: 'provision', status: 'Running', startedAt: iso(T0) } }), T0 + 90_000, undefined],
    ['does not check a cluster that is not provisioned yet', active({ phase: 'Registered' }), T0 + 90_000, undefined],
    ['does not check a cluster whose last operation failed (it needs an operator)', active({ phase: 'Failed' }), T0 + 90_000, undefined],
  ] as const)('%s', (_why, state, now, expected) => {
    expect(nextCheckDelay(state, now)).toBe(expected);
  });

  it('uses the 5 minute default for a spec saved before the interval existed', () => {
    const { healthCheckInterval: _dropped, ...old } = spec;
    expect(nextCheckDelay(active({ spec: old as typeof spec }), T0 + 60_000)).toBe(240_000);
  });
});

describe('recordHealth', () => {
  it('moves an Active cluster to Degraded and logs the transition with its reasons', () => {
    const next = recordHealth(active(), { status: 'Unreachable', reasons: ['connect ECONNREFUSED'], checkedAt: iso(T0 + 60_000) }, iso(T0 + 60_000));
    expect(next.phase).toBe('Degraded');
    expect(next.health).toEqual({ status: 'Unreachable', reasons: ['connect ECONNREFUSED'], checkedAt: iso(T0 + 60_000) });
    expect(next.healthLog).toEqual([{ at: iso(T0 + 60_000), from: 'Healthy', to: 'Unreachable', reasons: ['connect ECONNREFUSED'] }]);
  });

  it('brings a Degraded cluster back to Active when it is Healthy again', () => {
    const sick = recordHealth(active(), { status: 'Degraded', reasons: ['node a NotReady'] }, iso(T0 + 1));
    const well = recordHealth(sick, { status: 'Healthy', reasons: ['ok'], version: '1.36.3' }, iso(T0 + 2));
    expect(well.phase).toBe('Active');
    expect(well.version).toBe('1.36.3');
    expect(well.healthLog?.map((t) => `${t.from}->${t.to}`)).toEqual(['Degraded->Healthy', 'Healthy->Degraded']);
  });

  it('logs nothing when the verdict stays the same, and leaves operation phases alone', () => {
    expect(recordHealth(active(), { status: 'Healthy', reasons: ['ok'] }, iso(T0 + 1)).healthLog).toBeUndefined();
    expect(recordHealth(active({ phase: 'Failed' }), { status: 'Degraded', reasons: ['x'] }, iso(T0 + 1)).phase).toBe('Failed');
  });
});

describe('a failing look at the running operation', () => {
  const running = active({ phase: 'Provisioning', current: { id: 'provision/web-1', type: 'provision', status: 'Running', startedAt: iso(T0) } });
  const failed = (times: number) => {
    let s = running;
    for (let i = 0; i < times; i++) s = recordCheckFailure(s, 'operationStatus', `denied ${i + 1}`, iso(T0 + i * 1000));
    return s;
  };

  it.each([
    // why each case
    ['looks every 30 s while looks work', 0, 30_000],
    ['waits a minute after one failed look', 1, 60_000],
    ['doubles per failure in a row', 3, 240_000],
    ['never waits more than 10 minutes', 12, 600_000],
  ])('%s', (_why, failures, delay) => {
    expect(operationCheckDelay(failed(failures))).toBe(delay);
  });

  it('keeps when the looks began failing, counts them and shows the latest reason', () => {
    expect(failed(3).checkProblem).toEqual({ check: 'operationStatus', message: 'denied 3', since: iso(T0), failures: 3 });
  });

  it('is cleared by a look that works, and by the end of the operation', () => {
    expect(clearCheckProblem(failed(2), 'operationStatus').checkProblem).toBeUndefined();
    expect(clearCheckProblem(running, 'operationStatus')).toBe(running);
    const ended = finishOperation(failed(2), { operationId: 'provision/web-1', succeeded: true, message: 'ok' }, iso(T0 + 5000));
    expect(ended.checkProblem).toBeUndefined();
  });
});
