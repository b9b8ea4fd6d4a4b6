import { WorkflowFailedError, WorkflowUpdateFailedError, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundle } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterSummary } from '../../src/domain/selection/fleet-selector.js';
import { isOpen, MaintenancePolicySchema, WEEKDAYS } from '../../src/domain/time/maintenance-window.js';
import type { UpgradeWaveInput, WaveProgress } from '../../src/domain/upgrade/wave.js';
import { abortOperation, approveGate, getWaveProgress, pauseOperation, resumeOperation, retryFailed, skipCluster } from '../../src/temporal/messages/staged.js';
import type { UpgradeWaveResult } from '../../workflows/upgrade-wave.js';
import { cluster } from '../helpers/cluster-summaries.js';
import { timeSkipping } from '../helpers/time-skipping.js';
import type { FakePlan } from './upgrade-wave-workflows.js';

// upgradeWave on the time-skipping test server: hours of soak and days of closed windows pass
// in seconds. upgradeCluster is a stub (upgrade-wave-workflows.ts) whose outcome each test picks.
let env: TestWorkflowEnvironment;
let workflowBundle: WorkflowBundle;

beforeAll(async () => {
  ({ env, workflowBundle } = await timeSkipping(new URL('./upgrade-wave-workflows.ts', import.meta.url)));
});
afterAll(async () => {
  await env?.teardown();
});

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
type Handle = WorkflowHandleWithFirstExecutionRunId<(input: UpgradeWaveInput) => Promise<UpgradeWaveResult>>;

/** Fake activities: the inventory, and each upgrade's outcome by cluster and attempt; calls recorded in workflow time. */
function fleet(inventory: ClusterSummary[], behaviour: (name: string, attempt: number) => FakePlan = () => ({ ok: true, minutes: 10 })) {
  const calls: { name: string; at: number }[] = [];
  const attempts = new Map<string, number>();
  const activities = {
    listFleet: async () => inventory,
    fakeUpgrade: async ({ name, at }: { name: string; at: number }) => {
      const n = (attempts.get(name) ?? 0) + 1;
      attempts.set(name, n);
      calls.push({ name, at });
      return behaviour(name, n);
    },
  };
  return { activities, calls };
}

async function withWave<T>(input: UpgradeWaveInput, activities: object, fn: (h: Handle) => Promise<T>): Promise<T> {
  const taskQueue = `wave-${Math.random().toString(36).slice(2)}`;
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle, activities });
  return worker.runUntil(async () => fn(await env.client.workflow.start('upgradeWave', { workflowId: taskQueue, taskQueue, args: [input] }) as Handle));
}

/** Polls the progress query (in real time: time does not skip while we look) until `ok`. */
async function until(h: Handle, ok: (p: WaveProgress) => boolean, what: string): Promise<WaveProgress> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const p = await h.query(getWaveProgress);
    if (ok(p)) return p;
    if (Date.now() > deadline) throw new Error(`not reached: ${what}; progress: ${p.summary}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const statusOf = (p: WaveProgress, name: string) => p.clusters.find((c) => c.name === name)?.status;
const failureOf = async (h: Handle) => {
  const e = await h.result().then(() => undefined, (err: unknown) => err);
  return e instanceof WorkflowFailedError && e.cause instanceof ApplicationFailure ? e.cause : e;
};
const refusal = async (p: Promise<unknown>) => {
  const e = await p.then(() => undefined, (err: unknown) => err);
  return e instanceof WorkflowUpdateFailedError ? e.cause?.message : e;
};
const target = { selector: {}, version: '1.36' };
const byAlice = { by: 'alice', reason: 'CHG-1' };

describe('upgradeWave on the time-skipping server', () => {
  it('runs dev, then staging, then prod, soaking between stages', async () => {
    const { activities, calls } = fleet([cluster('a'), cluster('b', { environment: 'staging' }), cluster('c', { environment: 'prod' })]);
    const result = await withWave({ targets: [target], soak: '2h' }, activities, (h) => h.result());
    expect(result).toMatchObject({ outcome: 'Succeeded', upgraded: ['a', 'b', 'c'] });
    expect(calls.map((c) => c.name)).toEqual(['a', 'b', 'c']);
    // each upgrade takes 10 minutes, then the stage soaks 2 h before the next one starts
    for (const [prev, next] of [[calls[0]!, calls[1]!], [calls[1]!, calls[2]!]] as const) {
      expect(next.at - prev.at).toBeGreaterThanOrEqual(10 * MINUTE + 2 * HOUR);
      expect(next.at - prev.at).toBeLessThan(10 * MINUTE + 2 * HOUR + MINUTE);
    }
  });

  it('fails with ApprovalTimedOut when a gate is not approved in time, after an approved one ran', async () => {
    const { activities, calls } = fleet([cluster('a'), cluster('b', { environment: 'prod' })]);
    const input: UpgradeWaveInput = { targets: [target], approval: 'before', approvalTimeout: '3h', soak: '0s' };
    const { failure, progress, wrongGate } = await withWave(input, activities, async (h) => {
      await until(h, (p) => p.gate === 'dev:before', 'waiting for dev:before');
      const wrongGate = await refusal(h.executeUpdate(approveGate, { args: [{ gate: 'qa:before', by: 'bob' }] }));
      await h.executeUpdate(approveGate, { args: [{ gate: 'dev:before', ...byAlice }] });
      const failure = await failureOf(h);
      return { failure, wrongGate, progress: await h.query(getWaveProgress) };
    });
    expect(wrongGate).toBe('approve refused: no gate qa:before: the gates are dev:before, prod:before');
    expect(failure).toMatchObject({ type: 'ApprovalTimedOut', message: 'gate prod:before was not approved within 3h; 1 of 2 clusters done, 0 failed, 0 skipped' });
    expect(calls.map((c) => c.name)).toEqual(['a']);
    expect(statusOf(progress, 'b')).toBe('Pending');
    expect(progress.audit).toEqual([expect.objectContaining({ action: 'approve', by: 'alice', reason: 'CHG-1', detail: 'dev:before' })]);
  });

  it('waits durably for a maintenance window that opens days later, then upgrades inside it', async () => {
    const now = await env.currentTimeMs();
    // a one-hour weekly window on the weekday three days from now: it opens two to three days later
    const day = WEEKDAYS[new Date(now + 3 * DAY).getUTCDay()]!;
    const window = `${day} 03:00-04:00 UTC`;
    const { activities, calls } = fleet([cluster('w')], () => ({ ok: true, minutes: 20 }));
    const { waiting, result } = await withWave({ targets: [target], maintenance: { windows: [window] } }, activities, async (h) => {
      const waiting = await until(h, (p) => statusOf(p, 'w') === 'WaitingWindow', 'w waiting for its window');
      return { waiting, result: await h.result() };
    });
    const wakeAt = Date.parse(waiting.clusters[0]!.wakeAt!);
    expect(wakeAt - now).toBeGreaterThan(2 * DAY);
    expect(result).toMatchObject({ outcome: 'Succeeded', upgraded: ['w'] });
    expect(calls).toHaveLength(1);
    expect(calls[0]!.at).toBeGreaterThanOrEqual(wakeAt);
    expect(isOpen(MaintenancePolicySchema.parse({ windows: [window] }), calls[0]!.at)).toBe(true);
  });

  it('starts nothing while paused and continues on resume; both recorded with who and why', async () => {
    const { activities, calls } = fleet([cluster('a'), cluster('b')], () => ({ ok: true, minutes: 30 }));
    const { paused, twice, result, progress } = await withWave({ targets: [target] }, activities, async (h) => {
      await until(h, (p) => statusOf(p, 'a') === 'Running', 'a running');
      await h.executeUpdate(pauseOperation, { args: [{ by: 'alice', reason: 'incident INC-7' }] });
      const twice = await refusal(h.executeUpdate(pauseOperation, { args: [{ by: 'alice' }] }));
      await env.sleep(2 * HOUR); // a finishes meanwhile; b must not start
      const paused = await until(h, (p) => statusOf(p, 'a') === 'Succeeded', 'a done while paused');
      await h.executeUpdate(resumeOperation, { args: [{ by: 'bob', reason: 'resolved' }] });
      const result = await h.result();
      return { paused, twice, result, progress: await h.query(getWaveProgress) };
    });
    expect(twice).toBe('pause refused: already paused');
    expect(paused).toMatchObject({ paused: true, waitingFor: 'resume' });
    expect(statusOf(paused, 'b')).toBe('Pending');
    expect(result).toMatchObject({ outcome: 'Succeeded', upgraded: ['a', 'b'] });
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(2 * HOUR);
    expect(progress.audit.map((e) => [e.action, e.by, e.reason])).toEqual([['pause', 'alice', 'incident INC-7'], ['resume', 'bob', 'resolved']]);
  });

  it('waits for the operator after a breach, and a retry of the failed cluster lets the wave finish', async () => {
    const { activities, calls } = fleet([cluster('a'), cluster('b')], (name, attempt) =>
      name === 'a' && attempt === 1 ? { ok: false, minutes: 0, message: 'quota exceeded' } : { ok: true, minutes: 5 },
    );
    const { halted, result, progress } = await withWave({ targets: [target], maxFailures: 0 }, activities, async (h) => {
      const halted = await until(h, (p) => p.waitingFor === 'operator', 'breach');
      await h.executeUpdate(retryFailed, { args: [{ by: 'carol', reason: 'quota raised' }] });
      return { halted, result: await h.result(), progress: await h.query(getWaveProgress) };
    });
    expect(halted.breach).toEqual({ stage: 'dev', failed: 1, budget: 0 });
    expect(halted.clusters.map((c) => [c.name, c.status, c.message])).toEqual([['a', 'Failed', 'quota exceeded'], ['b', 'Pending', undefined]]);
    expect(result).toMatchObject({ outcome: 'Succeeded', upgraded: ['a', 'b'] });
    expect(calls.map((c) => c.name)).toEqual(['a', 'a', 'b']);
    expect(progress.clusters.find((c) => c.name === 'a')?.attempts).toBe(2);
    expect(progress.audit).toEqual([expect.objectContaining({ action: 'retryFailed', by: 'carol', detail: 'a' })]);
  });

  it('stops starting clusters when the failure budget is breached and fails once nobody acts', async () => {
    const { activities, calls } = fleet([cluster('a'), cluster('b'), cluster('c')], (name) => (name === 'a' ? { ok: false, minutes: 3, message: 'preflight refused' } : { ok: true, minutes: 5 }));
    const failure = await withWave({ targets: [target], maxFailures: 0, approvalTimeout: '2h' }, activities, failureOf);
    expect(failure).toMatchObject({ type: 'FailureBudgetExceeded', message: 'halted: stage dev has 1 failed clusters, over its budget of 0; no retry, skip or abort within 2h' });
    expect(calls.map((c) => c.name)).toEqual(['a']);
  });

  it('tries a busy cluster again (30 s, doubling to 5 min) until the stage\'s progress deadline, then counts it as failed with the reason', async () => {
    const busy = 'upgrade failed: cluster a is busy: apply operation apply/a/shop has been running since 2026-06-01T10:00:00.000Z; try again when it has finished';
    const { activities, calls } = fleet([cluster('a'), cluster('b')], (name) => (name === 'a' ? { ok: false, minutes: 0, type: 'ClusterBusy', message: busy } : { ok: true, minutes: 5 }));
    const input: UpgradeWaveInput = { targets: [target], maxConcurrency: 2, maxFailures: 0, progressDeadline: '10m', approvalTimeout: '1h' };
    const { failure, progress } = await withWave(input, activities, async (h) => ({ failure: await failureOf(h), progress: await h.query(getWaveProgress) }));
    expect(failure).toMatchObject({ type: 'FailureBudgetExceeded', message: 'halted: stage dev has 1 failed clusters, over its budget of 0; no retry, skip or abort within 1h' });
    expect(progress.clusters.map((c) => [c.name, c.status, c.message])).toEqual([['a', 'Failed', `still busy after 10m: ${busy}`], ['b', 'Succeeded', 'upgraded 1.35.4 -> 1.36.3 (Healthy)']]);
    // refused at once, then tried again after 30 s, 1, 2 and 4 min, and a last time at the 10-minute deadline
    const ofA = calls.filter((c) => c.name === 'a').map((c) => c.at);
    const gaps = ofA.slice(1).map((at, i) => (at - ofA[i]!) / 1000);
    expect(gaps).toHaveLength(5);
    gaps.slice(0, 4).forEach((gap, i) => expect(gap).toBeCloseTo([30, 60, 120, 240][i]!, -1));
    expect((ofA[5]! - ofA[0]!) / 1000).toBeCloseTo(600, -1);
  });

  it('halts on a failure after a control plane moved, even within budget, until the cluster is skipped', async () => {
    const { activities, calls } = fleet([cluster('a'), cluster('b'), cluster('c')], (name) =>
      name === 'a' ? { ok: false, minutes: 1, halts: true, message: 'control plane stays at 1.36.3' } : { ok: true, minutes: 5 },
    );
    const { halted, result } = await withWave({ targets: [target], maxFailures: '100%' }, activities, async (h) => {
      await env.sleep(5 * MINUTE);
      const halted = await until(h, (p) => p.halt !== undefined, 'halt');
      await h.executeUpdate(skipCluster, { args: [{ by: 'dave', cluster: 'a', reason: 'repairing by hand' }] });
      return { halted, result: await h.result() };
    });
    expect(halted.halt).toEqual({ cluster: 'a', message: 'control plane stays at 1.36.3' });
    expect(halted.summary).toContain('halted: a failed after its control plane was upgraded');
    expect(result).toMatchObject({ outcome: 'Succeeded', upgraded: ['b', 'c'], counts: { Skipped: 1, Succeeded: 2 } });
    expect(calls.map((c) => c.name)).toEqual(['a', 'b', 'c']);
  });

  it('aborts: nothing new starts, the running cluster finishes, the wave ends Aborted', async () => {
    const { activities, calls } = fleet([cluster('a'), cluster('b')], () => ({ ok: true, minutes: 30 }));
    const result = await withWave({ targets: [target] }, activities, async (h) => {
      await until(h, (p) => statusOf(p, 'a') === 'Running', 'a running');
      expect(await refusal(h.executeUpdate(abortOperation, { args: [{ by: 'erin', reason: '' }] }))).toBe('invalid abort request: reason: must say why');
      await h.executeUpdate(abortOperation, { args: [{ by: 'erin', reason: 'freeze' }] });
      return h.result();
    });
    expect(result).toMatchObject({ outcome: 'Aborted', message: 'aborted by erin: freeze; 1 of 2 clusters done, 0 failed, 0 skipped', upgraded: ['a'] });
    expect(calls.map((c) => c.name)).toEqual(['a']);
  });

  it('continues as new when its history grows, carrying the state, and finishes every cluster', async () => {
    const names = Array.from({ length: 40 }, (_, i) => `c${String(i).padStart(2, '0')}`);
    const { activities, calls } = fleet(names.map((n) => cluster(n)), () => ({ ok: true, minutes: 1 }));
    const { result, progress, firstRunEvents } = await withWave({ targets: [target], maxConcurrency: 4, maxHistoryEvents: 300 }, activities, async (h) => {
      const result = await h.result();
      const firstRunEvents = (await env.client.workflow.getHandle(h.workflowId, h.firstExecutionRunId).fetchHistory()).events?.length ?? 0;
      return { result, progress: await h.query(getWaveProgress), firstRunEvents };
    });
    expect(result.upgraded).toEqual(names);
    expect(new Set(calls.map((c) => c.name)).size).toBe(40);
    expect(progress.generation).toBeGreaterThanOrEqual(1);
    expect(firstRunEvents).toBeGreaterThan(300); // it ran past the threshold only to let running clusters finish
    expect(firstRunEvents).toBeLessThan(400);
  });
});
