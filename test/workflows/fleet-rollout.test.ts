import { WorkflowFailedError, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundle } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rolloutBundleActivities } from '../../activities/rollout-bundle.js';
import type { ClusterSummary } from '../../src/domain/selection/fleet-selector.js';
import type { FleetRolloutInput, RolloutProgress } from '../../src/domain/rollout/fleet-rollout.js';
import type { FleetRolloutResult } from '../../workflows/fleet-rollout.js';
import { abortRollout, approveGate, getRolloutProgress, retryFailed } from '../../src/temporal/messages/staged.js';
import { cluster } from '../helpers/cluster-summaries.js';
import { timeSkipping } from '../helpers/time-skipping.js';
import { failureOf as classified, historyText } from '../helpers/history-text.js';
import type { FakeApply } from './fleet-rollout-workflows.js';

// fleetRollout on the time-skipping test server: soaks and approval timeouts pass in seconds;
// each cluster's apply is a stub whose outcome the test picks.
let env: TestWorkflowEnvironment;
let workflowBundle: WorkflowBundle;
beforeAll(async () => {
  ({ env, workflowBundle } = await timeSkipping(new URL('./fleet-rollout-workflows.ts', import.meta.url)));
});
afterAll(async () => {
  await env?.teardown();
});

const HOUR = 3_600_000;
type Handle = WorkflowHandleWithFirstExecutionRunId<(input: FleetRolloutInput) => Promise<FleetRolloutResult>>;
const inventory: ClusterSummary[] = ['c1', 'c2', 'c3', 'c4', 'c5'].map((name) => cluster(name, { environment: 'dev', region: name === 'c5' ? 'eu-west-1' : 'us-east-1' }));
const bundle = {
  name: 'shop',
  revision: 'v2',
  manifests: [{ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' }, spec: { replicas: 2, template: { spec: { containers: [{ name: 'web', image: 'docker.io/acme/web:2' }] } } } }],
};
const twoStages = (extra: object = {}) => ({
  stages: [
    { name: 'canary', selector: { include: ['c1'] }, maxFailures: 0, soak: '1h', ...extra },
    { name: 'rest', maxConcurrency: '100%', maxFailures: 0 },
  ],
});

function fleet(behaviour: (name: string, attempt: number) => FakeApply = () => ({ ok: true, minutes: 5, before: 'v1' })) {
  const applies: { cluster: string; at: number; manifests: unknown[] }[] = [];
  const rollbacks: string[] = [];
  /** Per rolled-back cluster: the revision the rollout told its rollback to return to (null: remove the bundle). */
  const rollbackTo: Record<string, string | null | undefined> = {};
  const attempts = new Map<string, number>();
  const activities = {
    ...rolloutBundleActivities(env.client),
    listFleet: async () => inventory,
    fakeApply: async (c: { cluster: string; at: number; manifests: unknown[] }) => {
      const n = (attempts.get(c.cluster) ?? 0) + 1;
      attempts.set(c.cluster, n);
      applies.push(c);
      return behaviour(c.cluster, n);
    },
    fakeRollback: async (c: { cluster: string; to?: string | null }) => {
      rollbacks.push(c.cluster);
      rollbackTo[c.cluster] = c.to;
    },
  };
  return { activities, applies, rollbacks, rollbackTo };
}

async function withRollout<T>(input: FleetRolloutInput, activities: object, fn: (h: Handle) => Promise<T>): Promise<T> {
  const taskQueue = `rollout-${Math.random().toString(36).slice(2)}`;
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle, activities });
  return worker.runUntil(async () => fn((await env.client.workflow.start('fleetRollout', { workflowId: taskQueue, taskQueue, args: [input] })) as Handle));
}

async function until(h: Handle, ok: (p: RolloutProgress) => boolean, what: string): Promise<RolloutProgress> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const p = await h.query(getRolloutProgress);
    if (ok(p)) return p;
    if (Date.now() > deadline) throw new Error(`not reached: ${what}; progress: ${p.summary}`);
    // Time skips only while the client waits on the server: let a minute of workflow time pass.
    await env.sleep(60_000);
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

describe('fleetRollout', () => {
  it('soaks the canary before the rest, applies per-region overrides, and succeeds', async () => {
    const f = fleet();
    const input = { selector: { environments: ['dev'] }, plan: twoStages(), bundle, overrides: [{ selector: { regions: ['eu-west-1'] }, imageRegistry: 'eu.registry.example.com', merge: { spec: { replicas: 5 } } }] };
    const { result, history } = await withRollout(input, f.activities, async (h) => ({ result: await h.result(), history: await historyText(await h.fetchHistory()) }));
    expect(result).toMatchObject({ outcome: 'Succeeded', applied: ['c1', 'c2', 'c3', 'c4', 'c5'], rolledBack: [] });
    // The manifests are in the rollout's history once (its input); children read them from there.
    expect(history.split('docker.io/acme/web:2').length - 1).toBe(1);
    const canaryDone = f.applies[0]!.at + 5 * 60_000;
    for (const a of f.applies.slice(1)) expect(a.at - canaryDone).toBeGreaterThanOrEqual(HOUR);
    const eu = f.applies.find((a) => a.cluster === 'c5')!.manifests[0] as { spec: { replicas: number; template: { spec: { containers: { image: string }[] } } } };
    expect(eu.spec.replicas).toBe(5);
    expect(eu.spec.template.spec.containers[0]!.image).toBe('eu.registry.example.com/acme/web:2');
    expect((f.applies.find((a) => a.cluster === 'c2')!.manifests[0] as { spec: { replicas: number } }).spec.replicas).toBe(2);
  });

  it('rolls back the changes of stage 1 and 2 when stage 2 breaches its failure budget', async () => {
    const f = fleet((name) => (name === 'c3' ? { ok: false, minutes: 2, message: 'c3: Degraded after applying shop@v2' } : { ok: true, minutes: 5 }));
    const input = { selector: { environments: ['dev'] }, plan: twoStages(), bundle };
    const err = await withRollout(input, f.activities, failureOf);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).type).toBe('FailureBudgetExceeded');
    expect((err as ApplicationFailure).message).toBe('stage rest has 1 failed clusters, over its budget of 0; rolled back 5 of 5 changed clusters');
    expect(f.rollbacks.sort()).toEqual(['c1', 'c2', 'c3', 'c4', 'c5']);
  });

  it('rolls each cluster back to the revision it had when the rollout reached it, and leaves alone what it did not change', async () => {
    // c1 already had v2 (a re-roll), c2 and c5 had v1, c4 never had shop, and c3 refused the claim (never touched).
    const plans: Record<string, FakeApply> = {
      c1: { ok: true, minutes: 5, before: 'v2' },
      c2: { ok: true, minutes: 5, before: 'v1' },
      c3: { ok: false, minutes: 0, refused: 'ClusterNotReady', message: 'apply failed: cluster c3 is Provisioning: apply needs an Active or Degraded cluster' },
      c4: { ok: true, minutes: 5 },
      c5: { ok: false, minutes: 2, before: 'v1', message: 'c5: Degraded after applying shop@v2' },
    };
    const f = fleet((name) => plans[name]!);
    const plan = { stages: [{ name: 'canary', selector: { include: ['c1'] }, maxFailures: 0 }, { name: 'rest', maxConcurrency: '100%', maxFailures: 1 }] };
    const { err, progress } = await withRollout({ selector: { environments: ['dev'] }, plan, bundle }, f.activities, async (h) => ({ err: await failureOf(h), progress: await h.query(getRolloutProgress) }));
    expect(err).toMatchObject({ type: 'FailureBudgetExceeded', message: 'stage rest has 2 failed clusters, over its budget of 1; rolled back 3 of 3 changed clusters' });
    expect(f.rollbackTo).toEqual({ c2: 'v1', c4: null, c5: 'v1' });
    expect(progress.rollback).toEqual({
      c2: { status: 'Succeeded', to: 'v1', message: 'back to v1' },
      c4: { status: 'Succeeded', message: 'bundle removed' },
      c5: { status: 'Succeeded', to: 'v1', message: 'back to v1' },
    });
  });

  it('waits for a busy cluster and tries it again later (30 s, then longer), without spending the failure budget', async () => {
    const busy = 'apply failed: cluster c2 is busy: reconcile operation reconcile/c2/shop has been running since 2026-06-01T10:00:00.000Z; try again when it has finished';
    let free = false;
    const f = fleet((name) => (name === 'c2' && !free ? { ok: false, minutes: 0, refused: 'ClusterBusy', message: busy } : { ok: true, minutes: 5, before: 'v1' }));
    const triesOfC2 = () => f.applies.filter((a) => a.cluster === 'c2').map((a) => a.at);
    const input = { selector: { environments: ['dev'] }, plan: twoStages({ soak: '0s' }), bundle };
    const { waiting, details, result } = await withRollout(input, f.activities, async (h) => {
      const waiting = await until(h, (p) => p.clusters.find((c) => c.name === 'c2')?.status === 'WaitingBusy' && triesOfC2().length >= 3, 'c2 refused three times and waiting');
      const details = await currentDetails(h);
      free = true;
      return { waiting, details, result: await h.result() };
    });
    expect(waiting.clusters.find((c) => c.name === 'c2')).toMatchObject({ status: 'WaitingBusy', message: expect.stringContaining(busy), wakeAt: expect.any(String) });
    expect(waiting.counts).toMatchObject({ Failed: 0, WaitingBusy: 1 });
    expect(details).toContain(`c2: ${busy}`);
    expect(result).toMatchObject({ outcome: 'Succeeded', applied: ['c1', 'c2', 'c3', 'c4', 'c5'], rolledBack: [] });
    const [t1, t2, t3] = triesOfC2();
    expect(t2! - t1!).toBeGreaterThanOrEqual(30_000);
    expect(t2! - t1!).toBeLessThan(60_000);
    expect(t3! - t2!).toBeGreaterThanOrEqual(60_000);
    expect(f.rollbacks).toEqual([]);
  });

  it('fails a gate nobody approves in time without undoing the canary', async () => {
    const f = fleet();
    const input = { selector: { environments: ['dev'] }, plan: twoStages({ approval: 'after' }), bundle, approvalTimeout: '2h' };
    const err = await withRollout(input, f.activities, failureOf);
    expect((err as ApplicationFailure).type).toBe('ApprovalTimedOut');
    expect(f.applies.map((a) => a.cluster)).toEqual(['c1']);
    expect(f.rollbacks).toEqual([]);
  });

  it('retries a failed cluster when the operator asks, after waiting on a breach', async () => {
    const f = fleet((name, attempt) => (name === 'c1' && attempt === 1 ? { ok: false, minutes: 1 } : { ok: true, minutes: 1 }));
    const input = { selector: { environments: ['dev'] }, plan: twoStages({ soak: '0s' }), bundle, onBreach: 'wait' as const };
    const result = await withRollout(input, f.activities, async (h) => {
      await until(h, (p) => p.waitingFor === 'operator', 'the breach waits for the operator');
      await h.executeUpdate(retryFailed, { args: [{ by: 'alice', reason: 'flaky registry' }] });
      return h.result();
    });
    expect(result.outcome).toBe('Succeeded');
    expect(f.applies.filter((a) => a.cluster === 'c1')).toHaveLength(2);
  });

  it('aborts with rollback: clusters it changed go back, the rest are never touched, and who and why are recorded', async () => {
    const f = fleet();
    const input = { selector: { environments: ['dev'] }, plan: twoStages({ approval: 'after' }), bundle };
    const { result, progress } = await withRollout(input, f.activities, async (h) => {
      await until(h, (p) => p.gate === 'canary:after', 'the canary gate');
      await h.executeUpdate(abortRollout, { args: [{ by: 'bob', reason: 'CHG-7 cancelled', rollback: true }] });
      const result = await h.result();
      return { result, progress: await h.query(getRolloutProgress) };
    });
    expect(result).toMatchObject({ outcome: 'Aborted', rolledBack: ['c1'], applied: [] });
    expect(f.rollbacks).toEqual(['c1']);
    expect(progress.audit).toEqual([expect.objectContaining({ action: 'abort', by: 'bob', reason: 'CHG-7 cancelled (with rollback)' })]);
    expect(progress.rollback).toEqual({ c1: { status: 'Succeeded', to: 'v1', message: 'back to v1' } });
  });

  it('waits for an approval and records who gave it', async () => {
    const f = fleet();
    const input = { selector: { environments: ['dev'] }, plan: twoStages({ approval: 'after' }), bundle };
    const progress = await withRollout(input, f.activities, async (h) => {
      await until(h, (p) => p.gate === 'canary:after', 'the canary gate');
      expect(f.applies).toHaveLength(1);
      await h.executeUpdate(approveGate, { args: [{ gate: 'canary:after', by: 'carol', reason: 'canary looks good' }] });
      await h.result();
      return h.query(getRolloutProgress);
    });
    expect(progress.outcome).toBe('Succeeded');
    expect(progress.audit).toEqual([expect.objectContaining({ action: 'approve', by: 'carol', detail: 'canary:after' })]);
  });

  it('continues as new on a long history, and clusters started after it still get their bundle and overrides', async () => {
    const f = fleet(() => ({ ok: true, minutes: 0 }));
    const many = Array.from({ length: 120 }, (_, i) => cluster(`m${String(i).padStart(3, '0')}`, { environment: 'dev', region: i % 2 ? 'eu-west-1' : 'us-east-1' }));
    const input = {
      selector: { environments: ['dev'] },
      plan: { generate: { canary: 1, steps: ['100%'], canaryApproval: 'none' as const, maxConcurrency: 10 } },
      bundle,
      overrides: [{ selector: { regions: ['eu-west-1'] }, merge: { spec: { replicas: 5 } } }],
      maxHistoryEvents: 300,
    };
    const { result, firstRun } = await withRollout(input, { ...f.activities, listFleet: async () => many }, async (h) => ({
      result: await h.result(),
      firstRun: await env.client.workflow.getHandle(h.workflowId, h.firstExecutionRunId).fetchHistory(),
    }));
    expect(result).toMatchObject({ outcome: 'Succeeded', counts: { Succeeded: 120, total: 120 } });
    expect(firstRun.events!.at(-1)!.workflowExecutionContinuedAsNewEventAttributes).toBeTruthy();
    expect(f.applies.map((a) => a.cluster).sort()).toEqual(many.map((c) => c.name));
    for (const [i, a] of [...f.applies].sort((x, y) => x.cluster.localeCompare(y.cluster)).entries()) {
      expect((a.manifests[0] as { spec: { replicas: number } }).spec.replicas).toBe(i % 2 ? 5 : 2);
    }
  });

  it('says it is planning, not done, while it still reads the fleet', async () => {
    const f = fleet();
    const { promise: listed, resolve: release } = Promise.withResolvers<void>();
    const listFleet = async () => {
      await listed;
      return inventory;
    };
    const { early, result } = await withRollout({ selector: { environments: ['dev'] }, plan: twoStages({ soak: '0s' }), bundle }, { ...f.activities, listFleet }, async (h) => {
      let early: RolloutProgress | undefined;
      for (let i = 0; i < 50 && !early; i++) early = await h.query(getRolloutProgress).catch(() => undefined);
      release();
      return { early, result: await h.result() };
    });
    expect(early).toMatchObject({ outcome: 'InProgress', summary: 'planning: reading the fleet' });
    expect(result.outcome).toBe('Succeeded');
  });

  it('refuses to read a bundle from a rollout that does not exist or now carries another revision', async () => {
    const { loadRolloutBundle } = rolloutBundleActivities(env.client);
    const missing = await loadRolloutBundle({ rollout: 'no-such-rollout', name: 'shop', revision: 'v2' }).catch((e: unknown) => e);
    expect(classified(missing)).toMatchObject({ type: 'RolloutNotFound', nonRetryable: true, message: expect.stringContaining('rollout no-such-rollout does not exist') });

    const f = fleet();
    const reused = await withRollout({ selector: { environments: ['dev'] }, plan: twoStages({ soak: '0s' }), bundle }, f.activities, async (h) => {
      await h.result();
      return loadRolloutBundle({ rollout: h.workflowId, name: 'shop', revision: 'v1' }).catch((e: unknown) => e);
    });
    expect(classified(reused)).toMatchObject({ type: 'RolloutBundleChanged', nonRetryable: true, message: expect.stringContaining('now carries shop@v2, not shop@v1') });
  });
});

describe('a placed rollout', () => {
  it('goes to the clusters its placement chooses, and its progress tells every cluster why', async () => {
    const capacity = (freeCpu: number) => ({ cpu: { allocatable: 4000, requested: 4000 - freeCpu }, memory: { allocatable: 2 ** 34, requested: 0 }, nodes: 2, zones: ['z-a'] });
    const placementFleet = inventory.map((c) => ({ ...c, health: 'Healthy', capacity: capacity(c.name === 'c1' ? 200 : c.name === 'c2' ? 3000 : 1500) }));
    const f = fleet();
    const activities = { ...f.activities, listPlacementFleet: async () => placementFleet };
    const input: FleetRolloutInput = {
      placement: { numberOfClusters: 2, requests: { cpu: '1' }, prioritizers: [{ name: 'FreeCPU', weight: 1 }, { name: 'Spread', weight: 1 }] },
      plan: { stages: [{ name: 'all', maxConcurrency: '100%' }] },
      bundle,
    };
    await withRollout(input, activities, async (h) => {
      const result = await h.result();
      // c2 has the most room; c5 is alone in its region, so Spread puts it ahead of c3 and c4.
      expect(result).toMatchObject({ outcome: 'Succeeded', applied: ['c2', 'c5'] });
      const p = await h.query(getRolloutProgress);
      expect(p.placement?.chosen).toEqual(['c2', 'c5']);
      expect(Object.fromEntries(p.placement!.clusters.map((c) => [c.name, c.verdict]))).toEqual({ c1: 'Filtered', c2: 'Chosen', c3: 'NotChosen', c4: 'NotChosen', c5: 'Chosen' });
      expect(p.placement!.clusters[0]!.reason).toBe('Capacity: out of CPU: 200m free of 4, 1 needed to take the workload');
    });
  });

  it('refuses an input with both a selector and a placement, or neither, naming the field', async () => {
    const { FleetRolloutInputSchema } = await import('../../src/domain/rollout/fleet-rollout.js');
    const { parseWith, describeProblems } = await import('../../src/domain/validation.js');
    const both = parseWith(FleetRolloutInputSchema, { selector: {}, placement: {}, plan: { stages: [{ name: 'all' }] }, bundle }, 'rollout');
    const neither = parseWith(FleetRolloutInputSchema, { plan: { stages: [{ name: 'all' }] }, bundle }, 'rollout');
    expect(!both.ok && describeProblems(both.problems)).toBe('rollout.placement: give either selector or placement, not both');
    expect(!neither.ok && describeProblems(neither.problems)).toBe('rollout.selector: give either selector or placement');
  });
});
