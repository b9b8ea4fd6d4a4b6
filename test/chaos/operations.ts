import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import { clusterEntityId } from '../../src/domain/cluster/inventory.js';
import { Toolchain } from '../../src/host/toolchain.js';
import type { LocalProvider } from '../../src/providers/local/index.js';
import { readObject } from '../../src/kube/read.js';
import { getClusterState } from '../../src/temporal/messages/cluster.js';
import type { ClusterState } from '../../src/domain/cluster/state.js';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The scenario's clusters: ch4 and ch5 are upgraded by the wave, ch2 drifts, ch3 is decommissioned. */
export const CHAOS_CLUSTERS = ['ch1', 'ch2', 'ch3', 'ch4', 'ch5'] as const;
export const WAVE_CLUSTERS = ['ch4', 'ch5'];
export const DECOMMISSIONED = 'ch3';
export const DRIFTED = 'ch2';
export const BUNDLE = 'shop';

/** What one operation of the scenario returned, against what it should have. */
export interface Outcome {
  operation: string;
  ok: boolean;
  detail: string;
}

const settings = (tier: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'shop' }, data: { tier } });
const shop = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } };
const plan = { stages: [{ name: 'canary', selector: { include: ['ch1'] }, maxFailures: 0 }, { name: 'rest', maxConcurrency: '100%', maxFailures: 0 }] };

/** The scenario's operations in order; the chaos driver draws each kill into one of them. */
export const PHASES = ['provision', 'rollout v1', 'rollout v2', 'upgrade wave', 'drift reconcile', 'decommission'] as const;
export type Phase = (typeof PHASES)[number];

export interface ScenarioContext {
  client: Client;
  taskQueue: string;
  local: LocalProvider;
  log: (line: string) => void;
  /** Runs one operation as its phase (the chaos driver kills the worker meanwhile). */
  during: <T>(phase: Phase, operation: () => Promise<T>) => Promise<T>;
}

/**
 * A query answered once a worker is up: while the chaos driver has the worker down, a query
 * fails; this retries until `deadline`.
 */
export async function queryWhenUp(client: Client, name: string, deadline: number): Promise<ClusterState> {
  for (;;) {
    try {
      return await client.workflow.getHandle(clusterEntityId(name)).query(getClusterState);
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await sleep(1_000);
    }
  }
}

/** Longer than any operation takes with its kills (a killed create costs its 60 s start-to-close timeout); a hang is reported, not waited out. */
const OPERATION_DEADLINE_MS = 10 * 60_000;

async function check(ctx: ScenarioContext, operation: string, body: () => Promise<string | undefined>): Promise<Outcome> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not finished after ${OPERATION_DEADLINE_MS / 60_000} minutes`)), OPERATION_DEADLINE_MS);
  });
  try {
    const wrong = await Promise.race([body(), deadline]);
    ctx.log(`${operation}: ${wrong ? `WRONG: ${wrong}` : 'as expected'} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    return { operation, ok: !wrong, detail: wrong ?? 'as expected' };
  } catch (e) {
    const detail = `failed: ${e instanceof Error ? `${e.message}${e.cause instanceof Error ? `: ${e.cause.message}` : ''}` : String(e)}`;
    ctx.log(`${operation}: ${detail}`);
    return { operation, ok: false, detail };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The operations, one after another, each checked against its expected outcome: provision five
 * clusters, roll a bundle out twice (canary first), upgrade two clusters in a wave, let one
 * entity repair a drifted object, decommission one cluster. They run with the worker being
 * killed at any moment, and must not notice.
 */
export async function runOperations(ctx: ScenarioContext): Promise<Outcome[]> {
  const { client, taskQueue } = ctx;
  const { during } = ctx;
  const outcomes: Outcome[] = [];
  outcomes.push(
    ...(await during('provision', () => Promise.all(
      CHAOS_CLUSTERS.map((name) =>
        check(ctx, `provision ${name}`, async () => {
          const r = await client.workflow.execute('provisionCluster', {
            workflowId: `provision/${name}`,
            taskQueue,
            args: [{ spec: { name, provider: 'local', labels: { app: 'chaos' }, healthCheckInterval: '5s' } }],
          });
          return r.name === name && r.version === '1.35.4' ? undefined : `returned ${JSON.stringify(r)}`;
        }),
      ),
    ))),
  );
  for (const [revision, tier] of [['v1', 'gold'], ['v2', 'platinum']] as const) {
    outcomes.push(
      await during(`rollout ${revision}`, () => check(ctx, `rollout ${BUNDLE}@${revision}`, async () => {
        const r = await client.workflow.execute('fleetRollout', {
          workflowId: `rollout/chaos-${revision}`,
          taskQueue,
          args: [{ selector: { matchLabels: { app: 'chaos' } }, plan, bundle: { name: BUNDLE, revision, manifests: [shop, settings(tier)] }, autoReconcile: true }],
        });
        const applied = [...(r.applied ?? [])].sort().join(',');
        return r.outcome === 'Succeeded' && applied === CHAOS_CLUSTERS.join(',') ? undefined : `outcome ${r.outcome}, applied ${applied}`;
      })),
    );
  }
  outcomes.push(
    await during('upgrade wave', () => check(ctx, 'upgrade wave', async () => {
      const r = await client.workflow.execute('upgradeWave', {
        workflowId: 'upgrade-wave/chaos',
        taskQueue,
        args: [{ targets: [{ selector: { include: WAVE_CLUSTERS }, version: '1.36' }], soak: '1s' }],
      });
      const upgraded = [...(r.upgraded ?? [])].sort().join(',');
      return r.outcome === 'Succeeded' && upgraded === WAVE_CLUSTERS.join(',') ? undefined : `outcome ${r.outcome}, upgraded ${upgraded}`;
    })),
  );
  outcomes.push(await during('drift reconcile', () => check(ctx, `drift reconcile on ${DRIFTED}`, () => driftAndRepair(ctx))));
  outcomes.push(
    await during('decommission', () => check(ctx, `decommission ${DECOMMISSIONED}`, async () => {
      await client.workflow.execute('decommissionCluster', { workflowId: `decommission/${DECOMMISSIONED}`, taskQueue, args: [{ name: DECOMMISSIONED, reason: 'chaos scenario' }] });
      const final = await client.workflow.getHandle(clusterEntityId(DECOMMISSIONED)).result();
      return final.phase === 'Deleted' ? undefined : `the entity ended in phase ${final.phase}`;
    })),
  );
  return outcomes;
}

/** Someone edits a field the bundle owns; the entity (autoReconcile) puts it back and records a reconcile. */
async function driftAndRepair(ctx: ScenarioContext): Promise<string | undefined> {
  const kubectl = new Toolchain().kubectl();
  await run(kubectl, ['--kubeconfig', ctx.local.kubeconfigPath(DRIFTED), '-n', 'shop', 'patch', 'configmap', 'settings', '--type', 'merge', '-p', '{"data":{"tier":"bronze"}}']);
  const creds = await ctx.local.credentials({ name: DRIFTED, region: 'local' });
  const deadline = Date.now() + 300_000;
  for (;;) {
    const cm = (await readObject(creds, { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'settings' })) as { data?: Record<string, string> } | undefined;
    if (cm?.data?.tier === 'platinum') {
      const state = await queryWhenUp(ctx.client, DRIFTED, deadline);
      const op = state.history.find((h) => h.type === 'reconcile');
      if (op?.status === 'Succeeded') return undefined;
    }
    if (Date.now() > deadline) return `not repaired in 300 s (tier ${cm?.data?.tier})`;
    await sleep(1_000);
  }
}
