import { WorkflowFailedError, WorkflowUpdateFailedError, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundle } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DecommissionProgress, FleetDecommissionRequest } from '../../src/domain/decommission/progress.js';
import type { ClusterSummary } from '../../src/domain/selection/fleet-selector.js';
import type { FleetDecommissionResult } from '../../workflows/fleet-decommission.js';
import { abortOperation, approveGate, getDecommissionProgress, skipCluster } from '../../src/temporal/messages/staged.js';
import { cluster } from '../helpers/cluster-summaries.js';
import { timeSkipping } from '../helpers/time-skipping.js';
import type { DecommissionCall, FakeDecommission } from './fleet-decommission-workflows.js';

// fleetDecommission on the time-skipping test server: a day-long approval wait passes in
// seconds. decommissionCluster is a stub (fleet-decommission-workflows.ts) whose outcome each test picks.
let env: TestWorkflowEnvironment;
let workflowBundle: WorkflowBundle;

beforeAll(async () => {
  ({ env, workflowBundle } = await timeSkipping(new URL('./fleet-decommission-workflows.ts', import.meta.url)));
});
afterAll(async () => {
  await env?.teardown();
});

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
type Handle = WorkflowHandleWithFirstExecutionRunId<(input: FleetDecommissionRequest) => Promise<FleetDecommissionResult>>;

/** Fake activities: the inventory (and the selector it was asked for), and each decommission's outcome; calls recorded in workflow time. */
function fleet(inventory: ClusterSummary[], behaviour: (name: string) => FakeDecommission = () => ({ ok: true, minutes: 10 })) {
  const calls: DecommissionCall[] = [];
  const selectors: unknown[] = [];
  const activities = {
    listFleet: async (selector: unknown) => {
      selectors.push(selector);
      return inventory;
    },
    fakeDecommission: async (call: DecommissionCall) => {
      calls.push(call);
      return behaviour(call.name);
    },
  };
  return { activities, calls, selectors };
}

async function withDecommission<T>(input: FleetDecommissionRequest, activities: object, fn: (h: Handle) => Promise<T>): Promise<T> {
  const taskQueue = `decom-${Math.random().toString(36).slice(2)}`;
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle, activities });
  return worker.runUntil(async () => fn((await env.client.workflow.start('fleetDecommission', { workflowId: `fleet-decommission/${taskQueue}`, taskQueue, args: [input] })) as Handle));
}

/** Polls the progress query (in real time: time does not skip while we look) until `ok`. */
async function until(h: Handle, ok: (p: DecommissionProgress) => boolean, what: string): Promise<DecommissionProgress> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const p = await h.query(getDecommissionProgress);
    if (ok(p)) return p;
    if (Date.now() > deadline) throw new Error(`not reached: ${what}; progress: ${p.summary}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The workflow's current details, as the Temporal UI shows them. */
async function currentDetails(h: Handle): Promise<string> {
  const meta = (await h.query<{ currentDetails?: string }>('__temporal_workflow_metadata')) ?? {};
  return meta.currentDetails ?? '';
}

const failureOf = async (h: Handle) => {
  const e = await h.result().then(() => undefined, (err: unknown) => err);
  return e instanceof WorkflowFailedError && e.cause instanceof ApplicationFailure ? e.cause : e;
};
const refusal = async (p: Promise<unknown>) => {
  const e = await p.then(() => undefined, (err: unknown) => err);
  return e instanceof WorkflowUpdateFailedError ? e.cause?.message : e;
};
const web = { team: 'web' };
const request: FleetDecommissionRequest = { selector: { matchLabels: web }, reason: 'CHG-7 web retired', requestedBy: 'alice' };

describe('fleetDecommission on the time-skipping server', () => {
  it('refuses protected clusters, reports them and the excluded ones, and decommissions the rest without a gate when none is prod', async () => {
    const inventory = [
      cluster('web-a', { labels: web }),
      cluster('web-b', { labels: web, environment: 'staging' }),
      cluster('web-keep', { labels: web, protected: true }),
      cluster('web-busy', { labels: web, currentOperation: { id: 'upgrade/web-busy', type: 'upgrade', startedAt: '2026-01-01T00:00:00.000Z' } }),
      cluster('db-1', { labels: { team: 'db' } }),
    ];
    const { activities, calls, selectors } = fleet(inventory);
    const { result, progress } = await withDecommission(request, activities, async (h) => ({ result: await h.result(), progress: await h.query(getDecommissionProgress) }));
    expect(selectors).toEqual([{ matchLabels: web }]);
    expect(calls.map((c) => c.name).sort()).toEqual(['web-a', 'web-b']);
    // never forced, with the fleet's reason and requester
    for (const c of calls) expect(c).toMatchObject({ reason: 'CHG-7 web retired', requestedBy: 'alice' });
    for (const c of calls) expect(c.force).toBeUndefined();
    expect(result).toMatchObject({ outcome: 'Succeeded', decommissioned: ['web-a', 'web-b'], failed: [], skipped: [], counts: { Succeeded: 2, total: 2 } });
    expect(result.refused).toEqual([{ name: 'web-keep', reason: 'ClusterProtected', message: expect.stringContaining('web-keep is protected') }]);
    expect(result.excluded).toEqual([{ name: 'web-busy', reason: 'Busy', message: expect.stringContaining('upgrade operation upgrade/web-busy') }]);
    expect(progress).toMatchObject({ outcome: 'Succeeded', approvalRequired: false, approvals: [], refused: result.refused, excluded: result.excluded });
    expect(progress.nextGate).toBeUndefined();
    // no gate: both start at once (concurrency 5 by default)
    expect(calls[1]!.at - calls[0]!.at).toBeLessThan(MINUTE);
  });

  it('waits for approval when a prod cluster is selected, shows why, and decommissions after alice approves; the approval is audited', async () => {
    const { activities, calls } = fleet([cluster('web-a', { labels: web }), cluster('web-p', { labels: web, environment: 'prod' })]);
    const { waiting, details, wrongGate, result, progress } = await withDecommission(request, activities, async (h) => {
      const waiting = await until(h, (p) => p.waitingFor === 'approval', 'waiting for approval');
      const details = await currentDetails(h);
      await env.sleep(5 * HOUR); // nothing moves while the gate is closed
      const wrongGate = await refusal(h.executeUpdate(approveGate, { args: [{ gate: 'prod:before', by: 'bob' }] }));
      await h.executeUpdate(approveGate, { args: [{ gate: 'decommission:before', by: 'alice', reason: 'CAB approved CHG-7' }] });
      return { waiting, details, wrongGate, result: await h.result(), progress: await h.query(getDecommissionProgress) };
    });
    expect(waiting).toMatchObject({
      gate: 'decommission:before',
      approvalRequired: true,
      approvalReasons: ['web-p is in environment prod'],
      summary: 'waiting for approval of decommission:before: web-p is in environment prod',
    });
    expect(Date.parse(waiting.approvalDeadline!) - Date.parse(waiting.startedAt)).toBeGreaterThanOrEqual(24 * HOUR - MINUTE);
    expect(waiting.clusters.map((c) => [c.name, c.status])).toEqual([['web-a', 'Pending'], ['web-p', 'Pending']]);
    expect(details).toContain('next gate: decommission:before (web-p is in environment prod)');
    expect(wrongGate).toBe('approve refused: no gate prod:before: the gates are decommission:before');
    expect(result).toMatchObject({ outcome: 'Succeeded', decommissioned: ['web-a', 'web-p'] });
    expect(progress.audit).toEqual([expect.objectContaining({ action: 'approve', by: 'alice', reason: 'CAB approved CHG-7', detail: 'decommission:before' })]);
    expect(calls).toHaveLength(2);
    expect(Math.min(...calls.map((c) => c.at)) - Date.parse(waiting.startedAt)).toBeGreaterThanOrEqual(5 * HOUR);
  });

  it('fails with ApprovalTimedOut after approvalTimeout and decommissions nothing', async () => {
    const { activities, calls } = fleet([cluster('web-a', { labels: web }), cluster('web-p', { labels: web, environment: 'production' })]);
    const { failure, progress } = await withDecommission({ ...request, approvalTimeout: '2h' }, activities, async (h) => ({ failure: await failureOf(h), progress: await h.query(getDecommissionProgress) }));
    expect(failure).toMatchObject({ type: 'ApprovalTimedOut', message: 'gate decommission:before was not approved within 2h; 0 of 2 clusters done, 0 failed, 0 skipped' });
    expect(calls).toEqual([]);
    expect(progress).toMatchObject({ outcome: 'Failed', counts: { Pending: 2, Succeeded: 0 } });
    expect(progress.approvalDeadline).toBeUndefined();
  });

  it('runs at most maxConcurrency decommissions at once', async () => {
    const names = ['a', 'b', 'c', 'd', 'e'].map((n) => `web-${n}`);
    const { activities, calls } = fleet(names.map((n) => cluster(n, { labels: web })), () => ({ ok: true, minutes: 30 }));
    const result = await withDecommission({ ...request, maxConcurrency: 2 }, activities, (h) => h.result());
    expect(result.decommissioned).toEqual(names);
    const starts = calls.map((c) => c.at).sort((x, y) => x - y);
    // two, then two more once those end, then the last: three waves 30 minutes apart
    expect(starts[1]! - starts[0]!).toBeLessThan(MINUTE);
    expect(starts[2]! - starts[0]!).toBeGreaterThanOrEqual(30 * MINUTE);
    expect(starts[4]! - starts[0]!).toBeGreaterThanOrEqual(60 * MINUTE);
  });

  it('stops starting clusters after a failure until the operator skips it; skip and abort are audited with who and why', async () => {
    const names = ['web-a', 'web-b', 'web-c'];
    const { activities, calls } = fleet(names.map((n) => cluster(n, { labels: web })), (name) => (name === 'web-a' ? { ok: false, minutes: 1, message: 'GKE refused to delete web-a: deletion protection is on' } : { ok: true, minutes: 10 }));
    const { halted, result, audit } = await withDecommission({ ...request, maxConcurrency: 1 }, activities, async (h) => {
      await env.sleep(5 * MINUTE); // web-a fails after a minute; time skips only while the test waits on the server
      const halted = await until(h, (p) => p.waitingFor === 'operator', 'stopped after the failure');
      await h.executeUpdate(skipCluster, { args: [{ by: 'bob', cluster: 'web-a', reason: 'retire it by hand' }] });
      await until(h, (p) => p.clusters.some((c) => c.name === 'web-b' && c.status === 'Running'), 'web-b running');
      await h.executeUpdate(abortOperation, { args: [{ by: 'carol', reason: 'freeze' }] });
      return { halted, result: await h.result(), audit: (await h.query(getDecommissionProgress)).audit };
    });
    expect(audit.map((e) => [e.action, e.by, e.reason, e.detail])).toEqual([['skipCluster', 'bob', 'retire it by hand', 'web-a'], ['abort', 'carol', 'freeze', undefined]]);
    expect(halted.clusters.map((c) => [c.name, c.status, c.message])).toEqual([['web-a', 'Failed', 'GKE refused to delete web-a: deletion protection is on'], ['web-b', 'Pending', undefined], ['web-c', 'Pending', undefined]]);
    // the running web-b finishes; web-c never starts
    expect(calls.map((c) => c.name)).toEqual(['web-a', 'web-b']);
    expect(result).toMatchObject({ outcome: 'Aborted', decommissioned: ['web-b'], skipped: [{ name: 'web-a', message: 'skipped by bob: retire it by hand' }] });
    expect(result.message).toMatch(/^aborted by carol: freeze; /);
  });

  it('waits for a busy cluster instead of counting it as failed, says why, and decommissions it once it is free', async () => {
    const busy = 'decommission failed: cluster web-a is busy: upgrade operation upgrade/web-a has been running since 2026-06-01T10:00:00.000Z; try again when it has finished';
    let free = false;
    const { activities, calls } = fleet([cluster('web-a', { labels: web }), cluster('web-b', { labels: web })], (name) =>
      name === 'web-a' && !free ? { ok: false, minutes: 0, type: 'ClusterBusy', message: busy } : { ok: true, minutes: 10 },
    );
    const { waiting, details, result } = await withDecommission(request, activities, async (h) => {
      const waiting = await until(h, (p) => p.clusters.some((c) => c.name === 'web-a' && c.status === 'WaitingBusy'), 'web-a waiting');
      const details = await currentDetails(h);
      free = true;
      return { waiting, details, result: await h.result() };
    });
    expect(waiting.clusters.find((c) => c.name === 'web-a')).toMatchObject({ status: 'WaitingBusy', attempts: 0, message: expect.stringContaining(busy) });
    expect(waiting.counts).toMatchObject({ Failed: 0, WaitingBusy: 1 });
    expect(details).toContain(`web-a: ${busy}`);
    expect(result).toMatchObject({ outcome: 'Succeeded', decommissioned: ['web-a', 'web-b'], failed: [] });
    const tries = calls.filter((c) => c.name === 'web-a').map((c) => c.at);
    expect(tries).toHaveLength(2);
    expect(tries[1]! - tries[0]!).toBeGreaterThanOrEqual(30_000);
  });

  it('fails at once, changing nothing, when the selector is empty', async () => {
    const { activities, calls, selectors } = fleet([cluster('web-a')]);
    const failure = await withDecommission({ selector: {}, reason: 'oops' }, activities, failureOf);
    expect(failure).toMatchObject({ type: 'InvalidInput' });
    expect((failure as Error).message).toContain('selector: must select something');
    expect(selectors).toEqual([]);
    expect(calls).toEqual([]);
  });
});
