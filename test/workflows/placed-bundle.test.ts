import { writeFileSync } from 'node:fs';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundle } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlacementCluster } from '../../src/domain/placement/cluster.js';
import type { PlacedBundleInput, PlacedBundleResult, PlacementStatus } from '../../src/domain/placement/placed-bundle.js';
import { deletePlacement, getPlacementStatus, reevaluatePlacement, updatePlacedBundle } from '../../src/temporal/messages/placement.js';
import { readStartArgs } from '../../src/temporal/workflow-input.js';
import { cluster } from '../helpers/cluster-summaries.js';
import { timeSkipping } from '../helpers/time-skipping.js';

let env: TestWorkflowEnvironment;
let workflowBundle: WorkflowBundle;
beforeAll(async () => {
  ({ env, workflowBundle } = await timeSkipping(new URL('./placed-bundle-workflows.ts', import.meta.url)));
});
afterAll(async () => {
  await env?.teardown();
});

const ns = (name: string) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
const input = (name: string): PlacedBundleInput => ({
  name,
  placement: { selector: { matchLabels: { team: 'a' } }, numberOfClusters: 2 },
  bundle: { name: 'shop', revision: 'v1', manifests: [ns('shop')] },
  // Rounds only when the test asks: the time-skipping server would otherwise fire the interval.
  reevaluateEvery: '24h',
  moveInterval: '0s',
  maxConcurrentMoves: 1,
});
const v2 = { name: 'shop', revision: 'v2', manifests: [ns('shop'), ns('shop-cache')] };

/** A scripted fleet: the stubs read it, the test changes it between rounds. */
function fakeFleet() {
  const w = {
    clusters: ['a1', 'a2', 'a3'].map((n): PlacementCluster => ({ ...cluster(n, { labels: { team: 'a' } }), health: 'Healthy' })),
    /** "applyBundleToCluster a1": how many more times that child fails. */
    failures: {} as Record<string, number>,
    /** "applyBundleToCluster a1": how many more times that child is refused because the cluster is busy. */
    busy: {} as Record<string, number>,
    children: [] as { workflow: string; args: { cluster: string; bundleFrom?: { revision: string }; revision?: string; to?: unknown; reason?: string } }[],
  };
  const activities = {
    listPlacementFleet: async (s: { include?: string[] }) => w.clusters.filter((c) => !s.include || s.include.includes(c.name)),
    stubChild: async (call: { workflow: string; args: { cluster: string } }) => {
      w.children.push(call as never);
      const key = `${call.workflow} ${call.args.cluster}`;
      if (w.busy[key]) {
        w.busy[key]--;
        return { busy: `cluster ${call.args.cluster} is busy: upgrade upgrade/${call.args.cluster} is running` };
      }
      if (w.failures[key]) {
        w.failures[key]--;
        return { fail: `${call.args.cluster} refused` };
      }
      return {};
    },
  };
  return { w, activities };
}

async function withWorker<T>(activities: object, fn: (taskQueue: string) => Promise<T>): Promise<T> {
  const taskQueue = `placement-${Math.random().toString(36).slice(2)}`;
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle, activities });
  return worker.runUntil(fn(taskQueue));
}

/** Reevaluates until `ok` (a round of a run that is continuing as new answers with what it had). */
async function reevaluateUntil(h: WorkflowHandle, ok: (s: PlacementStatus) => boolean): Promise<PlacementStatus> {
  for (let i = 0; i < 20; i++) {
    const s = await h.executeUpdate(reevaluatePlacement, { args: [{ by: 'test' }] });
    if (ok(s)) return s;
  }
  throw new Error('the placement never reached the state the test waits for');
}

/** FLEETFLOW_RECORD_HISTORIES=1 keeps a run's history for the replay tests (test/histories/); `label` names another run of the same id. */
async function record(id: string, runId: string, label = ''): Promise<void> {
  if (!process.env.FLEETFLOW_RECORD_HISTORIES) return;
  const history = await env.client.workflow.getHandle(id, runId).fetchHistory();
  writeFileSync(new URL(`../histories/${id.replaceAll('/', '__')}${label ? `@${label}` : ''}.json`, import.meta.url), historyToJSON(history));
}

const line = (c: { workflow: string; args: { cluster: string; bundleFrom?: { revision: string }; revision?: string } }) =>
  `${c.workflow} ${c.args.cluster} ${c.args.bundleFrom?.revision ?? c.args.revision}`;

describe('placedBundle: update and delete', () => {
  it("rolls a new revision in place to the clusters that have it, one at a time, stopping at a failure, audited; refuses another bundle's name or the same revision", async () => {
    const { w, activities } = fakeFleet();
    await withWorker(activities, async (taskQueue) => {
      const h = await env.client.workflow.start('placedBundle', { workflowId: 'placement/rec-update', taskQueue, args: [input('rec-update')] });
      const firstRun = h.firstExecutionRunId;
      const placed = await reevaluateUntil(h, (s) => s.placed.length === 2);
      expect(placed.placed.map((p) => `${p.cluster}@${p.revision}`)).toEqual(['a1@v1', 'a2@v1']);

      await expect(h.executeUpdate(updatePlacedBundle, { args: [{ bundle: { ...v2, name: 'other' }, by: 'alice' }] })).rejects.toThrow(WorkflowUpdateFailedError);
      await expect(h.executeUpdate(updatePlacedBundle, { args: [{ bundle: { ...v2, revision: 'v1' }, by: 'alice' }] })).rejects.toMatchObject({ cause: { message: expect.stringMatching(/v1 is the revision placed already/) } });
      // a2 refuses its update once: the update stops there and a2 keeps v1 until it is tried again.
      w.failures['applyBundleToCluster a2'] = 1;
      expect(await h.executeUpdate(updatePlacedBundle, { args: [{ bundle: v2, by: 'alice', reason: 'cache namespace' }] })).toEqual({ from: 'v1', to: 'v2' });

      const updated = await reevaluateUntil(h, (s) => s.bundle.revision === 'v2' && s.placed.some((p) => p.revision === 'v2'));
      expect(updated.placed.map((p) => `${p.cluster}@${p.revision}`)).toEqual(['a1@v2', 'a2@v1']);
      expect(updated.moves.slice(0, 2).map((m) => `${m.action} ${m.cluster} ${m.outcome}`)).toEqual(['update a2 Failed', 'update a1 Succeeded']);
      expect(updated.holding).toMatch(/^update to v2.*a2/);
      expect(updated.audit).toEqual([expect.objectContaining({ action: 'update', by: 'alice', reason: 'cache namespace', detail: 'bundle shop v1 -> v2 on 2 placed clusters' })]);
      // The children read the bundle from the run's input: the new run carries v2.
      const start = await readStartArgs(env.client, 'placement/rec-update');
      expect(start?.workflowType).toBe('placedBundle');
      expect((start?.args[0] as PlacedBundleInput).bundle).toMatchObject({ name: 'shop', revision: 'v2', manifests: v2.manifests });
      // Nothing new was added or removed for it: the same two clusters, a3 untouched.
      expect(w.children.map(line)).toEqual([
        'applyBundleToCluster a1 v1',
        'applyBundleToCluster a2 v1',
        'applyBundleToCluster a1 v2',
        'applyBundleToCluster a2 v2',
      ]);

      // After retryFailedAfter (10m by default) a2 is tried again, and then has v2 too.
      await env.sleep('11m');
      const done = await reevaluateUntil(h, (s) => s.placed.every((p) => p.revision === 'v2'));
      expect(done.moves[0]).toMatchObject({ action: 'update', cluster: 'a2', outcome: 'Succeeded' });

      const result = await h.executeUpdate(deletePlacement, { args: [{ by: 'bob', reason: 'shop retired' }] });
      expect(result).toEqual({ accepted: true, clusters: ['a1', 'a2'] });
      await h.result();
      await record('placement/rec-update', firstRun, 'run1');
      await record('placement/rec-update', (await h.describe()).runId);
    });
  });

  it('deletes: removes the bundle from every cluster it placed it on (a failed removal tried again), forgets a vanished one, audits, and ends', async () => {
    const { w, activities } = fakeFleet();
    await withWorker(activities, async (taskQueue) => {
      const h = await env.client.workflow.start('placedBundle', { workflowId: 'placement/rec-delete', taskQueue, args: [{ ...input('rec-delete'), placement: { selector: { matchLabels: { team: 'a' } } } }] });
      await reevaluateUntil(h, (s) => s.placed.length === 3);
      // a3 leaves the fleet, a1 refuses its first removal.
      w.clusters = w.clusters.filter((c) => c.name !== 'a3');
      w.failures['rollbackBundle a1'] = 1;
      const accepted = await h.executeUpdate(deletePlacement, { args: [{ by: 'bob', reason: 'retired' }] });
      expect(accepted.clusters).toEqual(['a1', 'a2', 'a3']);
      await expect(h.executeUpdate(deletePlacement, { args: [{ by: 'bob' }] })).rejects.toMatchObject({ cause: { message: expect.stringMatching(/already being deleted/) } });
      const result = (await h.result()) as PlacedBundleResult;
      expect(result).toEqual({ deleted: true, removed: ['a1', 'a2'], forgotten: ['a3'], failed: [] });
      const removals = w.children.filter((c) => c.workflow === 'rollbackBundle');
      expect(removals.map((c) => `${c.args.cluster} ${c.args.revision} to ${String(c.args.to)}`)).toEqual(['a1 v1 to null', 'a2 v1 to null', 'a1 v1 to null']);
      expect(removals[0]!.args.reason).toBe('placement rec-delete: placement deleted by bob (retired)');
      const s = await h.query(getPlacementStatus);
      expect(s.placed).toEqual([]);
      expect(s.audit[0]).toMatchObject({ action: 'delete', by: 'bob', reason: 'retired' });
      expect(s.moves.map((m) => `${m.action} ${m.cluster} ${m.outcome}`).slice(0, 4)).toEqual(['remove a1 Succeeded', 'remove a2 Succeeded', 'remove a1 Failed', 'forget a3 Succeeded']);
      await record('placement/rec-delete', (await h.describe()).runId);
    });
  });

  it('tries a cluster that was busy at its move again at the next round instead of avoiding it', async () => {
    const { w, activities } = fakeFleet();
    await withWorker(activities, async (taskQueue) => {
      w.busy['applyBundleToCluster a1'] = 1;
      const h = await env.client.workflow.start('placedBundle', { workflowId: 'placement/busy', taskQueue, args: [{ ...input('busy'), placement: { selector: { matchLabels: { team: 'a' } }, numberOfClusters: 1 } }] });
      const s = await reevaluateUntil(h, (x) => x.placed.length === 1);
      // Not avoided for retryFailedAfter (then a2 would have been chosen): a1 again, and it took the bundle.
      expect(s.placed.map((p) => p.cluster)).toEqual(['a1']);
      expect(s.decision!.clusters.find((c) => c.name === 'a1')).toMatchObject({ verdict: 'Chosen' });
      expect(s.moves.map((m) => `${m.action} ${m.cluster} ${m.outcome}`)).toEqual(['add a1 Succeeded', 'add a1 Busy']);
      expect(s.moves[1]!.message).toMatch(/is busy.*tried again at the next round \(in 30 s at most\)/);
      expect(w.children.map(line)).toEqual(['applyBundleToCluster a1 v1', 'applyBundleToCluster a1 v1']);
      await h.terminate('test over');
    });
  });
});
