import { Context } from '@temporalio/activity';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundle } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OperationRequest } from '../../src/domain/cluster/lifecycle.js';
import { newClusterState } from '../../src/domain/cluster/lifecycle.js';
import { ClusterSpecSchema } from '../../src/domain/cluster/spec.js';
import { MaintenancePolicySchema, WEEKDAYS } from '../../src/domain/time/maintenance-window.js';
import type { UpgradeClusterInput } from '../../src/domain/upgrade/preflight.js';
import { cluster } from '../helpers/cluster-summaries.js';
import { timeSkipping } from '../helpers/time-skipping.js';

// upgradeCluster on the time-skipping test server, its activities stubbed: a direct upgrade
// waits days for the cluster's maintenance window in a moment. Time only skips while the test
// waits on a result, so while it reads the current details the workflow stays where it is.
let env: TestWorkflowEnvironment;
let workflowBundle: WorkflowBundle;
beforeAll(async () => {
  ({ env, workflowBundle } = await timeSkipping(new URL('./upgrade-cluster-workflows.ts', import.meta.url)));
});
afterAll(async () => {
  await env?.teardown();
});

const DAY = 24 * 3_600_000;

/** Stubbed activities for one cluster at 1.35.4 with `windows`; claims recorded with their workflow time. */
function stubs(name: string, windows: string[]) {
  const claims: { request: OperationRequest; at: number }[] = [];
  let version = '1.35.4';
  const spec = ClusterSpecSchema.parse({ name, provider: 'local', maintenance: { windows } });
  const activities = {
    readClusterSummary: async () => cluster(name, { maintenance: MaintenancePolicySchema.parse({ windows }) }),
    claimClusterOperation: async ({ request }: { request: OperationRequest }) => {
      claims.push({ request, at: Context.current().info.scheduledTimestampMs });
      return { ...newClusterState(spec, new Date().toISOString()), phase: 'Upgrading', version, health: { status: 'Healthy', reasons: [] } };
    },
    describeCluster: async () => ({ name, status: 'Running', version, nodePools: [] }),
    checkClusterHealth: async () => ({ status: 'Healthy', reasons: ['API server ready'], version }),
    scanRemovedApis: async () => ({ cluster: [], served: [], scannedObjects: 0 }),
    upgradeControlPlane: async () => {
      version = '1.36.3';
      return { id: 'change-1', status: 'Succeeded' };
    },
  };
  return { activities, claims };
}

/** A weekly one-hour window on the weekday three days from `now`: it opens two to three days later. */
const windowInThreeDays = (now: number) => `${WEEKDAYS[new Date(now + 3 * DAY).getUTCDay()]!} 03:00-04:00 UTC`;

async function withWorker<T>(activities: object, fn: (taskQueue: string) => Promise<T>): Promise<T> {
  const taskQueue = `upgrade-${Math.random().toString(36).slice(2)}`;
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle, activities });
  return worker.runUntil(fn(taskQueue));
}

/** Starts the stand-in entity and upgradeCluster directly, as the CLI or the UI would. */
async function startUpgrade(taskQueue: string, input: UpgradeClusterInput) {
  await env.client.workflow.start('clusterEntity', { workflowId: `cluster/${input.name}`, taskQueue });
  return env.client.workflow.start('upgradeCluster', { workflowId: `upgrade/${input.name}`, taskQueue, args: [input] });
}

/** Reads the current details (real time: nothing skips meanwhile) until `ok`. */
async function detailsWhen(h: WorkflowHandle, ok: (d: string) => boolean): Promise<string> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const d = (await h.query<{ currentDetails?: string }>('__temporal_workflow_metadata'))?.currentDetails ?? '';
    if (ok(d)) return d;
    if (Date.now() > deadline) throw new Error(`current details never matched; last: ${d}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const failureOf = async (h: WorkflowHandle) => {
  const e = await h.result().then(() => undefined, (err: unknown) => err);
  return e instanceof WorkflowFailedError && e.cause instanceof ApplicationFailure ? e.cause : e;
};

describe('upgradeCluster and the cluster\'s maintenance window', () => {
  it('started outside the window, waits for it without claiming the cluster, says until when, then upgrades inside it', async () => {
    const now = await env.currentTimeMs();
    const window = windowInThreeDays(now);
    const s = stubs('win-wait', [window]);
    const { details, claimsWhileWaiting, result } = await withWorker(s.activities, async (tq) => {
      const h = await startUpgrade(tq, { name: 'win-wait', version: '1.36' });
      const details = await detailsWhen(h, (d) => d.includes('waiting for its maintenance window'));
      const claimsWhileWaiting = s.claims.length;
      return { details, claimsWhileWaiting, result: await h.result() };
    });
    const opensAt = Date.parse(/opens at (\S+)/.exec(details)![1]!);
    expect(opensAt - now).toBeGreaterThan(2 * DAY);
    expect(details).toContain(`(${window})`);
    expect(details).toContain('ignoreMaintenanceWindow');
    expect(claimsWhileWaiting).toBe(0); // the cluster stays free for other operations and health checks
    expect(s.claims).toHaveLength(1);
    expect(s.claims[0]!.at).toBeGreaterThanOrEqual(opensAt);
    expect(s.claims[0]!.at).toBeLessThan(opensAt + 3_600_000);
    expect(result).toMatchObject({ from: '1.35.4', version: '1.36.3', noop: false });
  });

  it('with ignoreMaintenanceWindow and a reason, upgrades at once and the claim records the reason', async () => {
    const now = await env.currentTimeMs();
    const s = stubs('win-ignore', [windowInThreeDays(now)]);
    const result = await withWorker(s.activities, async (tq) =>
      (await startUpgrade(tq, { name: 'win-ignore', version: '1.36', ignoreMaintenanceWindow: true, reason: 'INC-7 CVE-2026-1 fix', requestedBy: 'alice' })).result(),
    );
    expect(result).toMatchObject({ version: '1.36.3' });
    expect(s.claims[0]!.at - now).toBeLessThan(60_000);
    expect(s.claims[0]!.request).toMatchObject({ requestedBy: 'alice', reason: 'maintenance window ignored: INC-7 CVE-2026-1 fix' });
  });

  it('refuses ignoreMaintenanceWindow without a reason, naming the field, before anything happens', async () => {
    const s = stubs('win-noreason', ['daily 00:00-01:00 UTC']);
    const err = await withWorker(s.activities, async (tq) => failureOf(await startUpgrade(tq, { name: 'win-noreason', version: '1.36', ignoreMaintenanceWindow: true })));
    expect(err).toMatchObject({ type: 'InvalidInput', nonRetryable: true });
    expect((err as Error).message).toBe('invalid upgrade request: reason: must say why the maintenance window is ignored (required with ignoreMaintenanceWindow: true)');
    expect(s.claims).toHaveLength(0);
  });

  it('holds a direct start that merely names a wave: only the wave\'s own child skips the check', async () => {
    const now = await env.currentTimeMs();
    const s = stubs('win-pretend', [windowInThreeDays(now)]);
    const details = await withWorker(s.activities, async (tq) => {
      const h = await startUpgrade(tq, { name: 'win-pretend', version: '1.36', wave: 'upgrade-wave/w1' });
      const d = await detailsWhen(h, (x) => x.includes('waiting for its maintenance window'));
      await h.terminate('test done');
      return d;
    });
    expect(details).toMatch(/^upgrade win-pretend to 1\.36: waiting for its maintenance window, which opens at /);
    expect(s.claims).toHaveLength(0);
  });

  // Keep this one last: after a parent with a child ran to its result, the test server was seen
  // skipping time for the next test's workflow before its wait could be observed.
  it('does not hold a wave\'s own child a second time: the wave admitted it by the window already', async () => {
    const now = await env.currentTimeMs();
    const s = stubs('win-child', [windowInThreeDays(now)]);
    const result = await withWorker(s.activities, async (tq) => {
      await env.client.workflow.start('clusterEntity', { workflowId: 'cluster/win-child', taskQueue: tq });
      return env.client.workflow.execute('waveParent', { workflowId: 'upgrade-wave/w1', taskQueue: tq, args: [{ name: 'win-child', version: '1.36' }] });
    });
    expect(result).toMatchObject({ version: '1.36.3' });
    expect(s.claims[0]!.at - now).toBeLessThan(60_000);
    expect(s.claims[0]!.request.reason).toBe('upgrade wave upgrade-wave/w1');
  });
});
