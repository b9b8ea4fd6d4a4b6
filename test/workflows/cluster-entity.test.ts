import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundle } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FleetActivities } from '../../activities/index.js';
import { clusterEntityId } from '../../src/domain/cluster/inventory.js';
import type { ClusterState } from '../../src/domain/cluster/state.js';
import { claimOperation, getClusterState } from '../../src/temporal/messages/cluster.js';
import { workflowsPath } from '../../workers/bundle.js';
import { addSearchAttributes, timeSkipping } from '../helpers/time-skipping.js';

// The cluster entity on the time-skipping test server, with stub activities: a side check that
// fails, and inputs a user can type into the UI's Start Workflow.
let env: TestWorkflowEnvironment;
let workflowBundle: WorkflowBundle;

beforeAll(async () => {
  ({ env, workflowBundle } = await timeSkipping(workflowsPath));
  // The entity publishes the inventory search attributes, so they must exist here too.
  await addSearchAttributes(env);
});
afterAll(async () => {
  await env?.teardown();
});

async function withWorker<T>(activities: Partial<FleetActivities>, fn: (taskQueue: string) => Promise<T>): Promise<T> {
  const taskQueue = `entity-${Math.random().toString(36).slice(2)}`;
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle, activities });
  return worker.runUntil(fn(taskQueue));
}

/**
 * Waits (in real time: time does not skip while we look) until the entity has closed or its
 * state satisfies `ok`. Both are stable while time stands still, so nothing is missed.
 */
async function settled(h: WorkflowHandle, ok: (s: ClusterState) => boolean): Promise<{ status: string; state?: ClusterState }> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const status = (await h.describe()).status.name;
    if (status !== 'RUNNING') return { status };
    const state = await h.query(getClusterState);
    if (ok(state)) return { status, state };
    if (Date.now() > deadline) throw new Error(`entity did not settle: ${JSON.stringify(state)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The entity's failure, or what it did instead; a stuck workflow times out after an hour of skipped time. */
async function failureOf(start: () => Promise<WorkflowHandle>): Promise<unknown> {
  const h = await start();
  const e = await h.result().then((r: unknown) => ({ completed: r }), (err: unknown) => err);
  return e instanceof WorkflowFailedError ? e.cause : e;
}

describe('clusterEntity keeps the cluster when a side check fails', () => {
  it('records a failing operation-status check in its state, stays running and checks again later', async () => {
    const name = 'side-check';
    const answers: (() => Promise<string>)[] = [
      async () => {
        throw ApplicationFailure.nonRetryable('PERMISSION_DENIED: workflowservice.DescribeWorkflowExecution', 'PermissionDenied');
      },
      async () => 'TERMINATED',
    ];
    const asked: string[] = [];
    const activities: Partial<FleetActivities> = {
      operationStatus: async (id) => {
        asked.push(id);
        return answers[asked.length - 1]!();
      },
    };
    const { failing, recovered } = await withWorker(activities, async (taskQueue) => {
      const h = await env.client.workflow.start('clusterEntity', {
        workflowId: clusterEntityId(name),
        taskQueue,
        args: [{ spec: { name, provider: 'local' } }],
        workflowExecutionTimeout: '1 day',
      });
      await h.executeUpdate(claimOperation, { args: [{ id: `provision/${name}`, type: 'provision', requestedBy: 'test' }] });
      // The operation's status is first looked at 30 s into it: that look fails.
      await env.sleep('31 seconds');
      const failing = await settled(h, (s) => asked.length === 1 && !!s.checkProblem);
      // The next look, after a longer pause, finds the operation terminated without a word.
      await env.sleep('61 seconds');
      const recovered = await settled(h, (s) => !s.current);
      return { failing, recovered };
    });

    expect(failing.status).toBe('RUNNING'); // still in the inventory
    expect(failing.state).toMatchObject({
      phase: 'Provisioning',
      current: { id: `provision/${name}`, status: 'Running' },
      checkProblem: {
        check: 'operationStatus',
        failures: 1,
        message: `cannot look up operation provision/${name}: PERMISSION_DENIED: workflowservice.DescribeWorkflowExecution`,
      },
    });

    expect(recovered.status).toBe('RUNNING');
    expect(asked).toEqual([`provision/${name}`, `provision/${name}`]);
    expect(recovered.state?.checkProblem).toBeUndefined();
    expect(recovered.state?.phase).toBe('Failed');
    const ended = recovered.state!.history[0]!;
    expect(ended).toMatchObject({ id: `provision/${name}`, status: 'Failed', message: `operation provision/${name} ended (TERMINATED) without reporting its outcome` });
    // Backed off: the second look came a minute after the failed one, not 30 s.
    const waited = Date.parse(ended.endedAt!) - Date.parse(failing.state!.checkProblem!.since);
    expect(waited).toBeGreaterThanOrEqual(60_000);
    expect(waited).toBeLessThan(62_000);
  });
});

describe('clusterEntity refuses a bad start at once, non-retryable, naming the fields', () => {
  const run = (workflowId: string, args: unknown[]) =>
    withWorker({}, (taskQueue) =>
      failureOf(() => env.client.workflow.start('clusterEntity', { workflowId, taskQueue, args: args as never, workflowExecutionTimeout: '1 hour' })),
    );

  it('fails a null input instead of retrying its first task forever', async () => {
    expect(await run(clusterEntityId('nothing'), [null])).toMatchObject({
      type: 'InvalidInput',
      nonRetryable: true,
      message: 'invalid cluster entity input: (input): Invalid input: expected object, received null',
    });
  });

  it('names every malformed field of a carried state', async () => {
    const failure = await run(clusterEntityId('carried'), [{ spec: { name: 'carried', provider: 'local' }, state: { phase: 'Active', history: 'none' } }]);
    expect(failure).toMatchObject({ type: 'InvalidInput', nonRetryable: true });
    for (const path of ['state.spec:', 'state.health:', 'state.history:', 'state.registeredAt:']) expect((failure as Error).message).toContain(path);
  });

  it('keeps the wording of a bad spec', async () => {
    expect(await run(clusterEntityId('Bad_Name'), [{ spec: { name: 'Bad_Name', provider: 'aws' } }])).toMatchObject({
      type: 'InvalidClusterSpec',
      nonRetryable: true,
      message: expect.stringMatching(/^invalid cluster spec: spec\.name: .*; spec\.provider: /),
    });
  });

  it('refuses an id that is not cluster/<spec.name>, so no phantom cluster appears', async () => {
    expect(await run('cluster/typo', [{ spec: { name: 'real', provider: 'local' } }])).toMatchObject({
      type: 'InvalidInput',
      nonRetryable: true,
      message: 'workflow id cluster/typo does not match spec.name real: start it with id cluster/real',
    });
  });
});
