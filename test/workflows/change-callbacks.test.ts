import { randomBytes, randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundle } from '@temporalio/worker';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { changeCallbackActivities } from '../../activities/change-callbacks.js';
import type { ChangeCallbacksInput } from '../../src/domain/change/callbacks-input.js';
import type { CallbacksSummary, DeliveryStatus } from '../../src/domain/change/deliveries.js';
import { callbacksWorkflowIdOf, changeIdOf, type CallbackTarget, type ChangeEvent } from '../../src/domain/change/request.js';
import { WebhooksConfigSchema } from '../../src/domain/change/webhooks-config.js';
import { changeEvent, getDeliveries } from '../../src/temporal/messages/change.js';
import { secretKey, webhookHeaders } from '../../src/webhooks/sign.js';
import { workflowsPath } from '../../workers/bundle.js';
import { historyText } from '../helpers/history-text.js';
import { timeSkipping } from '../helpers/time-skipping.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';

// changeCallbacks on the time-skipping server, delivering with the real activity to receivers
// on 127.0.0.1 that verify every request with the standardwebhooks package. Retry backoff and
// the give-up deadline are skipped through; the HTTP requests are real.
let env: TestWorkflowEnvironment;
let workflowBundle: WorkflowBundle;
const receivers: WebhookReceiver[] = [];

beforeAll(async () => {
  ({ env, workflowBundle } = await timeSkipping(workflowsPath));
});
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});
afterAll(async () => {
  await env?.teardown();
});

const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`;
const SECRETS = { sn: newSecret(), audit: newSecret() };
// Every secret is a callback secret and the receivers' host is allowed, so the worker's own
// check (callbackTargetRefusal) lets each target through.
const webhooks = WebhooksConfigSchema.parse({
  secrets: { sn: { env: 'SN_SECRET' }, audit: { env: 'AUDIT_SECRET' }, gone: { env: 'UNSET_SECRET' } },
  callbackSecret: 'sn',
  systems: { audit: { callbackSecret: 'audit' }, lost: { callbackSecret: 'gone' } },
  allowedCallbackHosts: ['http://127.0.0.1:*'],
});
const activities = changeCallbackActivities(webhooks, { env: { SN_SECRET: SECRETS.sn, AUDIT_SECRET: SECRETS.audit }, readFile: () => '' });

async function receiver(secret: string, failFirst = 0): Promise<WebhookReceiver> {
  const r = await WebhookReceiver.start({ secret, failFirst });
  receivers.push(r);
  return r;
}

const at = (minute: number) => `2026-05-01T10:${String(minute).padStart(2, '0')}:00.000Z`;
const EVENTS: ChangeEvent[] = [
  { type: 'accepted', at: at(0), data: {} },
  { type: 'waiting', at: at(1), data: { gate: 'prod:before' } },
  { type: 'stageFinished', at: at(2), data: { stage: 'canary' } },
  { type: 'succeeded', at: at(3), data: { message: 'rolled out to 3 clusters' } },
];
/** Short enough to skip through, long enough to take several attempts. */
const FAST = { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '20s', giveUpAfter: '2m', requestTimeout: '5s' };

/** Runs a worker while `fn` drives one changeCallbacks workflow of a fresh ticket. */
async function withCallbacks<T>(targets: CallbackTarget[], fn: (h: Handle) => Promise<T>): Promise<T> {
  const taskQueue = `callbacks-${randomUUID()}`;
  const ticket = { system: 'servicenow', id: `CHG${randomUUID().slice(0, 8)}` };
  const changeId = changeIdOf(ticket);
  const input: ChangeCallbacksInput = { changeId, ticket, targets, delivery: FAST };
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle, activities });
  return worker.runUntil(async () => {
    const handle = await env.client.workflow.start('changeCallbacks', { workflowId: callbacksWorkflowIdOf(changeId), taskQueue, args: [input] });
    return fn({
      changeId,
      send: async (events) => {
        for (const e of events) await handle.signal(changeEvent, e);
      },
      deliveries: () => handle.query(getDeliveries),
      result: () => handle.result() as Promise<CallbacksSummary>,
      history: () => handle.fetchHistory(),
    });
  });
}
interface Handle {
  changeId: string;
  send: (events: ChangeEvent[]) => Promise<void>;
  deliveries: () => Promise<DeliveryStatus[]>;
  result: () => Promise<CallbacksSummary>;
  history: () => Promise<unknown>;
}

const seqOf = (payload: unknown) => (payload as { seq: number }).seq;

describe('changeCallbacks', () => {
  it('gets every event to a receiver that answers 500 for a while, in order, exactly the events sent', async () => {
    const flaky = await receiver(SECRETS.sn, 5);
    const audit = await receiver(SECRETS.audit);
    const { changeId, summary, deliveries, history } = await withCallbacks(
      [
        { url: flaky.url, secret: 'sn' },
        { url: audit.url, secret: 'audit', events: ['succeeded', 'failed'] },
      ],
      async (h) => {
        await h.send(EVENTS);
        const summary = await h.result();
        return { changeId: h.changeId, summary, deliveries: await h.deliveries(), history: await h.history() };
      },
    );
    expect(summary).toEqual({ events: 4, delivered: 5, failed: 0, dropped: 0 });

    // Exactly the events sent, in order, each with the change and ticket around it.
    const bodies = flaky.delivered.map((v) => v.payload);
    expect(bodies).toEqual(EVENTS.map((e, i) => ({ ...e, changeId, ticket: { system: 'servicenow', id: changeId.split('/')[2] }, seq: i + 1 })));
    // Every request (the failed attempts too) verified; never event n+1 before event n was delivered.
    expect(flaky.rejected).toEqual([]);
    expect(flaky.verified.map((v) => seqOf(v.payload))).toEqual([1, 1, 1, 1, 1, 1, 2, 3, 4]);
    // A retried event carries the same webhook-id at every attempt, and ids differ between events.
    const idsBySeq = new Map<number, Set<string>>();
    for (const v of flaky.verified) idsBySeq.set(seqOf(v.payload), (idsBySeq.get(seqOf(v.payload)) ?? new Set()).add(v.id));
    expect([...idsBySeq.values()].map((s) => s.size)).toEqual([1, 1, 1, 1]);
    expect(new Set(flaky.delivered.map((v) => v.id)).size).toBe(4);

    // The subscriber got only what it asked for, with the same id as the other target.
    expect(audit.delivered.map((v) => (v.payload as { type: string }).type)).toEqual(['succeeded']);
    expect(audit.delivered[0]!.id).toBe(flaky.delivered[3]!.id);

    expect(deliveries.map((d) => [d.seq, d.target, d.type, d.state, d.attempts])).toEqual([
      [1, 0, 'accepted', 'delivered', 6],
      [2, 0, 'waiting', 'delivered', 1],
      [3, 0, 'stageFinished', 'delivered', 1],
      [4, 0, 'succeeded', 'delivered', 1],
      [4, 1, 'succeeded', 'delivered', 1],
    ]);
    expect(deliveries.every((d) => d.webhookId === flaky.delivered[d.seq - 1]!.id && d.deliveredAt !== undefined)).toBe(true);

    // The secrets never reach the workflow's history, only their names.
    const text = await historyText(history);
    for (const s of Object.values(SECRETS)) expect(text).not.toContain(s.slice(6, 30));
    expect(text).toContain('"secret":"sn"');
  });

  it('has its requests rejected by the receiver when tampered with or stale', async () => {
    const r = await receiver(SECRETS.sn);
    const [sent] = await withCallbacks([{ url: r.url, secret: 'sn' }], async (h) => {
      await h.send([EVENTS[0]!, EVENTS[3]!]);
      await h.result();
      return r.delivered;
    });
    const replay = (body: string, headers: Record<string, string>) =>
      fetch(r.url, { method: 'POST', body, headers: { ...headers, 'content-type': 'application/json' } }).then((res) => res.status);
    const original = { 'webhook-id': sent!.id, 'webhook-timestamp': String(sent!.timestamp), 'webhook-signature': '' };
    const key = (secretKey(SECRETS.sn) as { ok: true; key: Buffer }).key;
    const signed = webhookHeaders({ id: sent!.id, timestamp: sent!.timestamp, body: sent!.body, keys: [key] });

    // The same signature over another body, and a correctly signed request ten minutes old.
    expect(await replay(sent!.body.replace('"accepted"', '"succeeded"'), { ...original, 'webhook-signature': signed['webhook-signature'] })).toBe(401);
    const stale = webhookHeaders({ id: sent!.id, timestamp: Math.floor(Date.now() / 1000) - 600, body: sent!.body, keys: [key] });
    expect(await replay(sent!.body, { ...stale })).toBe(401);
    expect(r.rejected.map((x) => x.reason)).toEqual(['No matching signature found', 'Message timestamp too old']);
  });

  it('gives up on a target down for good after the give-up time, goes on with its next event, and the other target gets everything', async () => {
    const down = await receiver(SECRETS.sn, Infinity);
    const up = await receiver(SECRETS.audit);
    const ends = [EVENTS[0]!, { type: 'failed', at: at(5), data: { message: 'canary unhealthy' } } satisfies ChangeEvent];
    const { summary, deliveries, whileRetrying } = await withCallbacks(
      [
        { url: down.url, secret: 'sn' },
        { url: up.url, secret: 'audit' },
      ],
      async (h) => {
        await h.send(ends);
        // The healthy target has both events while the other still retries its first one.
        await up.waitFor((x) => x.delivered.length === 2);
        const whileRetrying = await h.deliveries();
        return { summary: await h.result(), deliveries: await h.deliveries(), whileRetrying };
      },
    );
    expect(whileRetrying.filter((d) => d.target === 0).map((d) => d.state)).toEqual(['pending', 'pending']);
    expect(up.delivered.map((v) => seqOf(v.payload))).toEqual([1, 2]);
    expect(summary).toEqual({ events: 2, delivered: 2, failed: 2, dropped: 0 });

    const failed = deliveries.filter((d) => d.target === 0);
    expect(failed.map((d) => [d.seq, d.state])).toEqual([
      [1, 'failed'],
      [2, 'failed'],
    ]);
    for (const d of failed) {
      expect(d.lastError).toBe('gave up after 2m: CallbackRejected: the receiver answered HTTP 500: receiver failing on purpose');
      // 1 s doubling to 20 s within 2 minutes: about eight attempts, each a real request.
      expect(d.attempts).toBeGreaterThanOrEqual(5);
      expect(d.failedAt).toBeDefined();
    }
    // The second event was tried on the dead target only after the first was given up.
    const seqs = down.verified.map((v) => seqOf(v.payload));
    expect(seqs.indexOf(2)).toBeGreaterThan(seqs.lastIndexOf(1));
    expect(down.verified.length).toBe(failed[0]!.attempts! + failed[1]!.attempts!);
  });

  it('records a secret missing on the worker as failed at once, naming it, and still delivers the next event', async () => {
    const r = await receiver(SECRETS.sn);
    const deliveries = await withCallbacks(
      [
        { url: r.url, secret: 'gone' },
        { url: r.url, secret: 'sn' },
      ],
      async (h) => {
        await h.send([EVENTS[0]!, EVENTS[3]!]);
        await h.result();
        return h.deliveries();
      },
    );
    expect(deliveries.filter((d) => d.target === 0).map((d) => [d.state, d.attempts, d.lastError])).toEqual([
      ['failed', 1, 'CallbackSecretMissing: callback secret "gone": environment variable UNSET_SECRET is not set'],
      ['failed', 1, 'CallbackSecretMissing: callback secret "gone": environment variable UNSET_SECRET is not set'],
    ]);
    expect(r.delivered.map((v) => seqOf(v.payload))).toEqual([1, 2]);
  });

  it("refuses at once a target the worker's config does not allow, and delivers to the others", async () => {
    const r = await receiver(SECRETS.sn);
    const deliveries = await withCallbacks(
      [
        { url: r.url.replace('127.0.0.1', 'localhost'), secret: 'sn' },
        { url: r.url, secret: 'sn' },
      ],
      async (h) => {
        await h.send([EVENTS[3]!]);
        await h.result();
        return h.deliveries();
      },
    );
    const origin = new URL(r.url.replace('127.0.0.1', 'localhost')).origin;
    expect(deliveries.map((d) => [d.target, d.state, d.attempts, d.lastError])).toEqual([
      [0, 'failed', 1, `CallbackNotAllowed: the worker's webhooks config allows no callback to ${origin} signed with secret "sn" (not a subscriber, or not a callback secret and an allowed host)`],
      [1, 'delivered', 1, undefined],
    ]);
    expect(r.verified).toHaveLength(1);
  });

  it('refuses to run under another id than its change id fixes', async () => {
    const taskQueue = `callbacks-${randomUUID()}`;
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle, activities });
    const failure = await worker.runUntil(
      env.client.workflow
        .execute('changeCallbacks', {
          workflowId: 'callbacks/elsewhere',
          taskQueue,
          args: [{ changeId: 'change/servicenow/CHG1', ticket: { system: 'servicenow', id: 'CHG1' }, targets: [{ url: 'http://127.0.0.1:1/', secret: 'sn' }] }],
        })
        .then(() => undefined, (e: unknown) => (e as { cause?: unknown }).cause),
    );
    expect(failure).toMatchObject({
      type: 'InvalidInput',
      message: 'workflow id callbacks/elsewhere does not match changeId change/servicenow/CHG1: start it with id change/servicenow/CHG1/callbacks',
    });
  });
});
