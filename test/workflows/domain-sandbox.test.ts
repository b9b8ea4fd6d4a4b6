import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundle } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cluster } from '../helpers/cluster-summaries.js';
import { timeSkipping } from '../helpers/time-skipping.js';
import { planningProbe, sharingProbe, type PlanningProbeInput } from './domain-sandbox-workflows.js';

// The planning code is pure and meant to be imported by workflows: this proves it bundles
// (no Node built-ins) and that Intl's time-zone data behaves the same inside the sandbox.
let env: TestWorkflowEnvironment;
let workflowBundle: WorkflowBundle;

beforeAll(async () => {
  ({ env, workflowBundle } = await timeSkipping(new URL('./domain-sandbox-workflows.ts', import.meta.url)));
});
afterAll(async () => {
  await env?.teardown();
});

async function run<T>(workflow: string, args: unknown[]): Promise<T> {
  const taskQueue = `domain-${workflow}-${Math.random().toString(36).slice(2)}`;
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle });
  return worker.runUntil(env.client.workflow.execute(workflow, { workflowId: taskQueue, taskQueue, args }));
}

describe('schemas shared by every run on a workflow thread', () => {
  it('are preloaded and settled: frozen themselves, zod internals writable, parsing in run after run', async () => {
    // Each run gets its own module scope unless preloaded; a schema it built itself would not be frozen.
    for (const plan of [{ generate: { steps: ['50%', '100%'] } }, { generate: { steps: ['50%', '100%'] } }, { stages: 'all' }]) {
      const seen = await run<Awaited<ReturnType<typeof sharingProbe>>>('sharingProbe', [plan]);
      expect(seen.schemaFrozen).toBe(true);
      expect(seen.internalsFrozen).toBe(false);
      expect(seen.problems).toEqual('stages' in plan ? ['stages'] : []);
    }
  });
});

describe('domain planning inside the workflow sandbox', () => {
  it('gives the same answers as outside it, DST included', async () => {
    const input: PlanningProbeInput = {
      // the spring-forward night in Berlin: the window opens when the clock jumps to 03:00
      policy: { windows: ['Sun 02:30-04:00 Europe/Berlin'], exclusions: [{ from: '2026-12-20', to: '2027-01-05', timeZone: 'Europe/Berlin' }] },
      at: Date.parse('2026-03-28T12:00:00Z'),
      selector: { environments: ['dev', 'prod'] },
      plan: { generate: { steps: ['50%', '100%'] } },
      inventory: [cluster('b', { environment: 'prod' }), cluster('a'), cluster('c', { phase: 'Deleted' }), cluster('d')],
    };
    const inside = await run<Awaited<ReturnType<typeof planningProbe>>>('planningProbe', [input]);
    expect(inside).toEqual(await planningProbe(input));
    expect(inside.opening).toEqual({ opensAt: Date.parse('2026-03-29T01:00:00Z'), closesAt: Date.parse('2026-03-29T02:00:00Z'), openNow: false });
    expect(inside.stages).toEqual([['a'], ['b'], ['d']]);
  });

  it('sleeps durably until the next opening it computed and wakes with the window open', async () => {
    // a weekly one-hour window: usually days away, so the time-skipping server must skip to it
    const result = await run<{ startedAt: number; opensAt: number; wokeAt: number; openOnWake: boolean }>('waitForWindow', [{ windows: ['Wed 03:00-04:00 Asia/Kolkata'] }]);
    expect(result.opensAt).toBeGreaterThan(result.startedAt);
    expect(result.wokeAt).toBeGreaterThanOrEqual(result.opensAt);
    expect(result.openOnWake).toBe(true);
  });
});
