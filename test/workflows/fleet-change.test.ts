import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Toolchain } from '../../src/host/toolchain.js';
import { Worker, type WorkflowBundle } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callbacksWorkflowIdOf, changeIdOf, type ChangeEvent, type ChangeRequest, type ChangeView } from '../../src/domain/change/request.js';
import type { ClusterSummary } from '../../src/domain/selection/fleet-selector.js';
import { abortChange, approveChange, getChange } from '../../src/temporal/messages/change-queries.js';
import { approveGate, getDecommissionProgress } from '../../src/temporal/messages/staged.js';
import { SA } from '../../src/temporal/search-attributes.js';
import type { ChangeResult } from '../../workflows/fleet-change.js';
import { cluster } from '../helpers/cluster-summaries.js';
import { addSearchAttributes, timeSkipping } from '../helpers/time-skipping.js';
import { receivedEvents } from './fleet-change-workflows.js';
import { testEncryptionPlugin } from '../helpers/test-encryption.js';

// fleetChange on the time-skipping test server: its gate, what it passes to the operation, the
// end it reports, and the events its callbacks workflow receives, in order. The one-cluster
// operations and the callbacks workflow are stubs (fleet-change-workflows.ts); fleetDecommission
// is real, so a staged change's gates and stages come from the real stage runner.
//
// Each test has a test server of its own: on a shared one, a change that signalled its
// callbacks child left time skipping locked for the tests after it (a lock the server never
// released), so their timers waited in real time.
let env: TestWorkflowEnvironment;
let first: TestWorkflowEnvironment;
let workflowBundle: WorkflowBundle;

beforeAll(async () => {
  ({ env: first, workflowBundle } = await timeSkipping(new URL('./fleet-change-workflows.ts', import.meta.url)));
});
afterAll(async () => {
  await first?.teardown();
});

type Call = { workflow: string; args: Record<string, unknown> };
type Plan = { minutes: number; fail?: string };

let seq = 0;
const ALICE = { kind: 'oidc' as const, subject: 'alice' };
const hash = 'a'.repeat(64);

function request(over: Partial<ChangeRequest> & Pick<ChangeRequest, 'type' | 'input'>): ChangeRequest {
  return { ticket: { system: 'servicenow', id: `CHG${++seq}` }, requestedBy: ALICE, inputHash: hash, callbacks: [{ url: 'http://127.0.0.1:1/hook', secret: 'snow' }], ...over };
}

async function withChange<T>(req: ChangeRequest, opts: { inventory?: ClusterSummary[]; plan?: (c: Call) => Plan }, fn: (h: WorkflowHandle, calls: Call[]) => Promise<T>): Promise<T> {
  const calls: Call[] = [];
  const activities = {
    stubCall: async (c: Call) => {
      calls.push(c);
      return opts.plan?.(c) ?? { minutes: 5 };
    },
    listFleet: async () => opts.inventory ?? [],
  };
  env = await TestWorkflowEnvironment.createTimeSkipping({ plugins: [testEncryptionPlugin], server: { executable: { type: 'existing-path', path: new Toolchain().temporalTestServer } } });
  try {
    await addSearchAttributes(env);
    const taskQueue = `change-${Math.random().toString(36).slice(2)}`;
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle, activities });
    return await worker.runUntil(async () => fn(await env.client.workflow.start('fleetChange', { workflowId: changeIdOf(req.ticket), taskQueue, args: [req] }), calls));
  } finally {
    await env.teardown();
  }
}

/** Queries (in real time) until `ok`: the workflow moves on its own timers, not ours. */
async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const v = await read().catch(() => undefined);
    if (v !== undefined && ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`not reached: ${what}; last: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const events = (changeId: string) => env.client.workflow.getHandle(callbacksWorkflowIdOf(changeId)).query(receivedEvents);
const typesOf = (es: ChangeEvent[]) => es.map((e) => e.type);
const refusal = async (p: Promise<unknown>) => {
  const e = await p.then(() => undefined, (err: unknown) => err);
  return e instanceof WorkflowUpdateFailedError ? e.cause?.message : String(e);
};

describe('a one-cluster change', () => {
  const upgrade = { type: 'upgradeCluster' as const, input: { name: 'web-prod', version: '1.36', requestedBy: 'typed-by-caller' } };

  it('runs at once without a gate, as the principal, under the operation id', async () => {
    await withChange(request({ ...upgrade, approval: undefined }), {}, async (h, calls) => {
      const result = (await h.result()) as ChangeResult;
      expect(result.state).toBe('Succeeded');
      expect(calls).toEqual([{ workflow: 'upgradeCluster', args: { name: 'web-prod', version: '1.36', requestedBy: 'oidc:alice' } }]);
      const view = await h.query(getChange);
      expect(view).toMatchObject({ state: 'Succeeded', operationWorkflowId: 'upgrade/web-prod', requestedBy: 'oidc:alice', ticket: { system: 'servicenow' } });
      expect(typesOf(await events(h.workflowId))).toEqual(['accepted', 'succeeded']);
      // The change and its operation are found by ticket and requester.
      for (const wf of [h.workflowId, 'upgrade/web-prod']) {
        const d = await env.client.workflow.getHandle(wf).describe();
        expect(d.typedSearchAttributes.get(SA.ticket)).toBe(`servicenow/${h.workflowId.split('/')[2]}`);
        expect(d.typedSearchAttributes.get(SA.requestedBy)).toBe('oidc:alice');
      }
      expect((await h.describe()).typedSearchAttributes.get(SA.changeState)).toBe('Succeeded');
    });
  });

  it('waits at its gate until approved; the wrong gate and a second approval are refused', async () => {
    const req = request({ ...upgrade, approval: { reason: 'production: a second person must approve', timeout: '2h' } });
    await withChange(req, {}, async (h, calls) => {
      const waiting = await until(() => h.query(getChange), (v) => v.state === 'WaitingForApproval', 'waiting');
      expect(waiting.waitingAt).toMatchObject({ gate: 'change:before', reason: 'production: a second person must approve' });
      expect(calls).toEqual([]);
      expect(await refusal(h.executeUpdate(approveChange, { args: [{ gate: 'prod:before', by: 'oidc:bob' }] }))).toMatch(/one gate, change:before, not prod:before/);
      await h.executeUpdate(approveChange, { args: [{ gate: 'change:before', by: 'oidc:bob', reason: 'CAB ok' }] });
      expect((await h.result()).state).toBe('Succeeded');
      expect(calls.map((c) => c.workflow)).toEqual(['upgradeCluster']);
      const view: ChangeView = await h.query(getChange);
      expect(view.audit).toMatchObject([{ action: 'approve', by: 'oidc:bob', reason: 'CAB ok', detail: 'change:before' }]);
      expect(await refusal(h.executeUpdate(approveChange, { args: [{ gate: 'change:before', by: 'oidc:carol' }] }))).toBeDefined();
      const es = await events(h.workflowId);
      expect(typesOf(es)).toEqual(['accepted', 'waiting', 'succeeded']);
      expect(es[1]!.data).toMatchObject({ gate: 'change:before' });
    });
  });

  it('fails with ApprovalTimedOut when nobody approves in time, and nothing runs', async () => {
    const req = request({ ...upgrade, approval: { reason: 'production', timeout: '1h' } });
    await withChange(req, {}, async (h, calls) => {
      if (process.env.DBG) {
        setTimeout(async () => {
          const hist = await h.fetchHistory();
          console.log(JSON.stringify(hist.events?.map((e) => [e.eventType, e.workflowTaskFailedEventAttributes?.failure?.message, e.timerStartedEventAttributes?.startToFireTimeout]), null, 0));
          for await (const w of env.client.workflow.list()) console.log('WF', w.workflowId, w.type, w.status.name);
        }, 15000);
      }
      const result = (await h.result()) as ChangeResult;
      expect(result).toMatchObject({ state: 'Failed', message: expect.stringMatching(/not approved within 1h; nothing ran/) });
      expect(calls).toEqual([]);
      expect((await h.query(getChange)).outcome).toMatchObject({ state: 'Failed', type: 'ApprovalTimedOut' });
      expect(typesOf(await events(h.workflowId))).toEqual(['accepted', 'waiting', 'failed']);
    });
  });

  it('is aborted at its gate; once it runs an abort is refused', async () => {
    await withChange(request({ ...upgrade, approval: { reason: 'production', timeout: '2h' } }), {}, async (h, calls) => {
      await until(() => h.query(getChange), (v) => v.state === 'WaitingForApproval', 'waiting');
      await h.executeUpdate(abortChange, { args: [{ by: 'oidc:bob', reason: 'CAB rejected' }] });
      expect(await h.result()).toMatchObject({ state: 'Aborted', message: 'aborted by oidc:bob before it ran: CAB rejected' });
      expect(calls).toEqual([]);
      expect(typesOf(await events(h.workflowId))).toEqual(['accepted', 'waiting', 'aborted']);
    });
    await withChange(request({ ...upgrade }), { plan: () => ({ minutes: 30 }) }, async (h) => {
      await until(() => h.query(getChange), (v) => v.state === 'Running', 'running');
      expect(await refusal(h.executeUpdate(abortChange, { args: [{ by: 'oidc:bob', reason: 'stop' }] }))).toMatch(/cannot be stopped once it runs/);
      expect((await h.result()).state).toBe('Succeeded');
    });
  });

  it('ends Failed, without failing itself, when the operation fails, and says why', async () => {
    await withChange(request({ type: 'provision', input: { spec: { name: 'edge-1', provider: 'local' } } }), { plan: () => ({ minutes: 1, fail: 'no capacity in region' }) }, async (h, calls) => {
      const result = (await h.result()) as ChangeResult;
      expect(result).toMatchObject({ state: 'Failed', message: 'no capacity in region' });
      expect(calls[0]!.args).toMatchObject({ spec: { name: 'edge-1' }, requestedBy: 'oidc:alice' });
      expect((await h.query(getChange)).outcome).toMatchObject({ state: 'Failed', type: 'ProviderFailed' });
      const es = await events(h.workflowId);
      expect(typesOf(es)).toEqual(['accepted', 'failed']);
      expect(es[1]!.data).toMatchObject({ message: 'no capacity in region', failureType: 'ProviderFailed' });
    });
  });
});

describe('a staged change', () => {
  const inventory = [cluster('db-dev', { environment: 'dev', labels: { team: 'db' } }), cluster('db-prod', { environment: 'prod', labels: { team: 'db' } })];
  const decommission = { type: 'fleetDecommission' as const, input: { selector: { matchLabels: { team: 'db' } }, reason: 'CHG db retired', prodEnvironments: [] } };

  it('runs the operation as its child with the policy\'s prod environments; its gate and stage reach the callbacks in order', async () => {
    const req = request({ ...decommission, prodEnvironments: ['prod'] });
    await withChange(req, { inventory }, async (h, calls) => {
      const view = await until(() => h.query(getChange), (v) => v.waitingAt?.gate === 'decommission:before', 'the operation waits at its gate');
      expect(view.operationWorkflowId).toBe(`${h.workflowId}/operation`);
      const op = env.client.workflow.getHandle(view.operationWorkflowId);
      expect((await op.query(getDecommissionProgress)).approvalRequired).toBe(true);
      await op.executeUpdate(approveGate, { args: [{ gate: 'decommission:before', by: 'oidc:bob' }] });
      expect((await h.result()).state).toBe('Succeeded');
      expect(calls.map((c) => c.args.name).sort()).toEqual(['db-dev', 'db-prod']);
      expect(calls.every((c) => c.args.requestedBy === 'oidc:alice')).toBe(true);
      const es = await events(h.workflowId);
      expect(typesOf(es)).toEqual(['accepted', 'waiting', 'stageFinished', 'succeeded']);
      expect(es[2]!.data).toMatchObject({ stage: 'decommission', status: 'Succeeded', succeeded: 2, total: 2 });
    });
  });

  it('waits exactly while its operation waits at a gate, and reports a stage\'s end before the next stage\'s gate', async () => {
    // dev then prod: dev's end and prod's gate come from one decision of the wave.
    const req = request({ type: 'upgradeWave', input: { targets: [{ selector: { matchLabels: { team: 'db' } }, version: '1.36' }], sequence: [{ name: 'dev', environments: ['dev'] }, { name: 'prod', environments: ['prod'] }], soak: '0s' }, prodEnvironments: ['prod'] });
    await withChange(req, { inventory, plan: (c) => ({ minutes: c.args.name === 'db-prod' ? 30 : 0 }) }, async (h, calls) => {
      const waiting = await until(() => h.query(getChange), (v) => v.state === 'WaitingForApproval', 'the change waits at the prod gate');
      expect(waiting.waitingAt).toMatchObject({ gate: 'prod:before' });
      expect((await h.describe()).typedSearchAttributes.get(SA.changeState)).toBe('WaitingForApproval');
      expect(calls.map((c) => c.args.name)).toEqual(['db-dev']);
      await env.client.workflow.getHandle(waiting.operationWorkflowId).executeUpdate(approveGate, { args: [{ gate: 'prod:before', by: 'oidc:bob', reason: 'CAB' }] });
      // Approved: the change runs again while prod upgrades (30 minutes of the stub).
      const running = await until(() => h.query(getChange), (v) => v.state === 'Running', 'the change runs again');
      expect(running.waitingAt).toBeUndefined();
      expect((await h.result()).state).toBe('Succeeded');
      const es = await events(h.workflowId);
      expect(es.map((e) => `${e.type} ${String(e.data.stage ?? e.data.gate ?? '')}`.trim())).toEqual(['accepted', 'stageFinished dev', 'waiting prod:before', 'stageFinished prod', 'succeeded']);
    });
  });

  it('has no callbacks workflow when the change has no callbacks', async () => {
    await withChange(request({ ...decommission, callbacks: [] }), { inventory: inventory.slice(0, 1) }, async (h) => {
      expect((await h.result()).state).toBe('Succeeded');
      expect((await h.query(getChange)).callbacksWorkflowId).toBeUndefined();
    });
  });
});
