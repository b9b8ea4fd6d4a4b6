import type { WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundle } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rolloutBundleActivities } from '../../activities/rollout-bundle.js';
import type { FleetRolloutInput, RolloutProgress } from '../../src/domain/rollout/fleet-rollout.js';
import { MaintenancePolicySchema, WEEKDAYS } from '../../src/domain/time/maintenance-window.js';
import { getRolloutProgress } from '../../src/temporal/messages/staged.js';
import type { FleetRolloutResult } from '../../workflows/fleet-rollout.js';
import { cluster } from '../helpers/cluster-summaries.js';
import { timeSkipping } from '../helpers/time-skipping.js';

// fleetRollout and the clusters' maintenance windows, on the time-skipping test server with
// stubbed applies (the bundle of fleet-rollout.test.ts). Time only skips while the test waits
// on the result, so while it reads the progress the rollout stays where it is.
let env: TestWorkflowEnvironment;
let workflowBundle: WorkflowBundle;
beforeAll(async () => {
  ({ env, workflowBundle } = await timeSkipping(new URL('./fleet-rollout-workflows.ts', import.meta.url)));
});
afterAll(async () => {
  await env?.teardown();
});

const DAY = 24 * 3_600_000;
type Handle = WorkflowHandleWithFirstExecutionRunId<(input: FleetRolloutInput) => Promise<FleetRolloutResult>>;
const bundle = { name: 'shop', revision: 'v2', manifests: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'shop', namespace: 'default' }, data: { v: '2' } }] };
const oneStage = { stages: [{ name: 'all', maxConcurrency: '100%' }] };

/** A fleet of `w` (a weekly window three days from now) and `free` (no window); applies take 5 minutes. */
function fleet(now: number) {
  const window = `${WEEKDAYS[new Date(now + 3 * DAY).getUTCDay()]!} 03:00-04:00 UTC`;
  const applies: { cluster: string; at: number }[] = [];
  const activities = {
    ...rolloutBundleActivities(env.client),
    listFleet: async () => [cluster('free'), cluster('w', { maintenance: MaintenancePolicySchema.parse({ windows: [window] }) })],
    fakeApply: async (c: { cluster: string; at: number }) => {
      applies.push(c);
      return { ok: true, minutes: 5 };
    },
    fakeRollback: async () => undefined,
  };
  return { activities, applies };
}

async function withRollout<T>(input: FleetRolloutInput, activities: object, fn: (h: Handle) => Promise<T>): Promise<T> {
  const taskQueue = `rollout-win-${Math.random().toString(36).slice(2)}`;
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle, activities });
  return worker.runUntil(async () => fn((await env.client.workflow.start('fleetRollout', { workflowId: taskQueue, taskQueue, args: [input] })) as Handle));
}

/** Reads the progress (real time: nothing skips meanwhile) until `ok`. */
async function until(h: Handle, ok: (p: RolloutProgress) => boolean, what: string): Promise<RolloutProgress> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const p = await h.query(getRolloutProgress);
    if (ok(p)) return p;
    if (Date.now() > deadline) throw new Error(`not reached: ${what}; progress: ${p.summary}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const statusOf = (p: RolloutProgress, name: string) => p.clusters.find((c) => c.name === name);

describe('fleetRollout and maintenance windows', () => {
  it('holds a cluster outside its window as WaitingWindow until it opens, while the others go on', async () => {
    const now = await env.currentTimeMs();
    const f = fleet(now);
    const { waiting, result } = await withRollout({ selector: {}, plan: oneStage, bundle }, f.activities, async (h) => {
      const waiting = await until(h, (p) => statusOf(p, 'w')?.status === 'WaitingWindow' && statusOf(p, 'free')?.status === 'Running', 'w waiting, free applying');
      return { waiting, result: await h.result() };
    });
    const wakeAt = Date.parse(statusOf(waiting, 'w')!.wakeAt!);
    expect(wakeAt - now).toBeGreaterThan(2 * DAY);
    expect(statusOf(waiting, 'w')!.message).toBe(`waiting for its maintenance window, which opens at ${new Date(wakeAt).toISOString()}`);
    expect(result).toMatchObject({ outcome: 'Succeeded', applied: ['free', 'w'] });
    const at = (name: string) => f.applies.find((a) => a.cluster === name)!.at;
    expect(at('free') - now).toBeLessThan(60_000);
    expect(at('w')).toBeGreaterThanOrEqual(wakeAt);
    expect(at('w')).toBeLessThan(wakeAt + 3_600_000);
  });

  it('with ignoreMaintenanceWindow and a reason, applies everywhere at once and audits who and why', async () => {
    const now = await env.currentTimeMs();
    const f = fleet(now);
    const input = { selector: {}, plan: oneStage, bundle, ignoreMaintenanceWindow: true, reason: 'INC-9 config fix', requestedBy: 'alice' };
    const { result, progress } = await withRollout(input, f.activities, async (h) => ({ result: await h.result(), progress: await h.query(getRolloutProgress) }));
    expect(result).toMatchObject({ outcome: 'Succeeded', applied: ['free', 'w'] });
    for (const a of f.applies) expect(a.at - now).toBeLessThan(60_000);
    expect(progress.audit).toEqual([expect.objectContaining({ action: 'ignoreMaintenanceWindow', by: 'alice', reason: 'INC-9 config fix' })]);
  });
});
