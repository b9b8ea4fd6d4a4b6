import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundle } from '@temporalio/worker';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { workflowsPath } from '../../workers/bundle.js';
import { cluster } from '../helpers/cluster-summaries.js';
import { expectedRefusal, fuzzParams, nearlyValid } from '../helpers/fuzz.js';
import { addSearchAttributes, timeSkipping } from '../helpers/time-skipping.js';
import { at, messageTargets, type Target } from '../helpers/fuzz-message-targets.js';

// Every update and signal of every long-running workflow, fuzzed on a RUNNING workflow held
// where the message is taken (a gate, an idle entity, a placement between rounds), on the
// time-skipping server. The zod schema is the oracle: an update argument it refuses is refused
// by the validator, non-retryable, with exactly the schema's problems by path, and the workflow
// runs on; one it accepts is never refused as invalid; a signal is dropped or taken. No message
// ever leaves a failed workflow task (one that fails is retried forever).
let env: TestWorkflowEnvironment;
let workflowBundle: WorkflowBundle;

beforeAll(async () => {
  ({ env, workflowBundle } = await timeSkipping(workflowsPath));
  await addSearchAttributes(env);
});
afterAll(async () => {
  await env?.teardown();
});

const fleet = [cluster('a', { labels: { team: 'web' } }), cluster('b', { environment: 'prod', labels: { team: 'web' } })];
const activities = {
  ...Object.fromEntries(
    Object.keys(createActivities({ client: {} as never, providers: {} as never })).map((name) => [
      name,
      async () => {
        throw ApplicationFailure.nonRetryable(`${name} is a stub in the fuzz test`, 'Unexpected');
      },
    ]),
  ),
  // The staged operations plan over two clusters (one in prod, so every kind of gate exists).
  // A fleet policy's evaluation is a stub that fails: each of its rounds fails, and every
  // evaluateFleetPolicy must still be answered (it looped for ever before
  // policy-failed-round-serves-requests; found by this fuzz).
  listFleet: async () => fleet,
  listPlacementFleet: async () => [],
};
const taskQueue = `fuzz-msg-${Math.random().toString(36).slice(2)}`;

/**
 * The server fails a task whose completion raced a new message (UNHANDLED_COMMAND, UNHANDLED_UPDATE:
 * a workflow that ends as a signal or update arrives) and runs it again with the message: not
 * the workflow's failure, and never a loop.
 */
const RACED_A_MESSAGE = new Set([1, 31]);

/** Why each failed workflow task of the current run failed (cause number and message): any is a task retried forever. */
async function taskFailures(h: WorkflowHandle): Promise<string[]> {
  const history = await h.fetchHistory();
  return (history.events ?? []).flatMap((e) => {
    const f = e.workflowTaskFailedEventAttributes;
    return f && !RACED_A_MESSAGE.has(Number(f.cause)) ? [`cause ${f.cause}: ${f.failure?.message ?? '(no message)'}`] : [];
  });
}
/**
 * Waits until the workflow took what was sent before: `query` is answered after that task. A
 * task that fails is retried and the query never answered: then the failures, as soon as the
 * history shows one.
 */
async function taken(h: WorkflowHandle, query: string): Promise<string[]> {
  let answered = false;
  const failures = async (): Promise<string[]> => {
    for (;;) {
      const f = await taskFailures(h);
      if (f.length || answered) return f;
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  return Promise.race([h.query(query).then(() => ((answered = true), [])), failures()]);
}
const statusOf = async (h: WorkflowHandle) => (await h.describe()).status.name;
const failureOf = (p: Promise<unknown>) => p.then(() => undefined, (err: unknown) => (err instanceof WorkflowUpdateFailedError ? err.cause : err));

/** A running workflow of `t` and its run id, started (and waited for until it takes messages) when none runs. */
async function running(t: Target): Promise<{ h: WorkflowHandle; runId: string }> {
  const h = env.client.workflow.getHandle(t.id);
  const d = await h.describe().catch(() => undefined);
  if (d?.status.name === 'RUNNING') return { h, runId: d.runId };
  const started = await env.client.workflow.start(t.type, { workflowId: t.id, taskQueue, args: [t.input] as never, workflowExecutionTimeout: '30 days' });
  await t.ready(h);
  return { h, runId: started.firstExecutionRunId };
}

describe('every update and signal, fuzzed on a running workflow', () => {
  it.each(messageTargets.map((t) => [t.label, t] as const))('%s', async (_label, t) => {
    const kinds = [
      ...t.updates.map((u) => nearlyValid(u.valid).map((arg) => ({ update: u, arg, signal: undefined }))),
      ...t.signals.map((s) => nearlyValid(s.valid).map((arg) => ({ signal: s, arg, update: undefined }))),
    ];
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle, activities });
    await worker.runUntil(async () => {
      // Each valid message, in an order the workflow takes them, is accepted.
      const { h: fresh } = await running(t);
      for (const [name, arg] of t.accepts) expect(await failureOf(fresh.executeUpdate(name, { args: [arg] })), name).toBeUndefined();
      await fresh.terminate('accepted every valid message').catch(() => undefined);

      // Runs that accepted an update (an approval, an abort) may end by themselves at any moment.
      const moved = new Set<string>();
      await fc.assert(
        fc.asyncProperty(fc.oneof(...kinds), async ({ update, signal, arg }) => {
          const { h, runId } = await running(t);
          if (update) {
            const refusal = expectedRefusal(update.stages, arg);
            const cause = await failureOf(h.executeUpdate(update.name, { args: [arg] }));
            if (!cause) moved.add(runId);
            if (refusal) {
              expect(cause).toMatchObject({ ...refusal, nonRetryable: true });
              if (!moved.has(runId)) expect(await statusOf(h)).toBe('RUNNING');
            } else {
              expect(String((cause as Error | undefined)?.message ?? '')).not.toMatch(/^invalid /);
            }
          } else {
            await h.signal(signal!.name, arg);
            if ((await statusOf(h)) === 'RUNNING') expect(await taken(h, t.query)).toEqual([]);
          }
          expect(await taskFailures(h)).toEqual([]);
        }),
        fuzzParams(`messages of ${t.label}`, t.runs),
      );
      const h = env.client.workflow.getHandle(t.id);
      expect(await taskFailures(h)).toEqual([]);
      await h.terminate('fuzz done').catch(() => undefined);
    });
  });
});


describe('fleetChange: signals from its operation that are malformed', () => {
  // Found by the fuzz: a changeEvent or operationGate that is null, or whose fields have the
  // wrong type, threw in the signal handler and failed the workflow task over and over.
  it.each([
    ['changeEvent', null],
    ['changeEvent', { type: 'waiting', at, data: 'gate' }],
    ['operationGate', null],
    ['operationGate', { gate: 5, at }],
  ])('%s %j is dropped: the change runs on, waiting at its gate', async (signal, arg) => {
    const t = messageTargets.find((x) => x.type === 'fleetChange')!;
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle, activities });
    await worker.runUntil(async () => {
      const { h } = await running(t);
      await h.signal(signal, arg);
      expect(await taken(h, 'getChange')).toEqual([]);
      expect(await h.query('getChange')).toMatchObject({ state: 'WaitingForApproval', waitingAt: { gate: 'change:before' } });
      await h.terminate('checked');
    });
  });
});
