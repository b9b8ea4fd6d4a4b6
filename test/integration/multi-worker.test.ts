import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { clusterEntityId } from '../../src/domain/cluster/inventory.js';
import { repoDir } from '../../src/host/toolchain.js';
import { clusterPaths } from '../../src/providers/local/paths.js';
import { freePorts } from '../../src/providers/local/ports.js';
import { getClusterState } from '../../src/temporal/messages/cluster.js';
import { parsePrometheusText, value, type Scrape } from '../../src/telemetry/prom-text.js';
import { eventually, FleetTestEnv } from '../helpers/fleet-env.js';
import { fileGate } from '../helpers/gates.js';
import { startTestEngine } from '../helpers/test-engine.js';

// Several worker processes on one task queue: an upgrade wave over two local clusters runs while
// the worker holding both control-plane upgrades is SIGKILLed, another carries on and one more
// joins; the wave and then a rollout finish, each cluster's control plane is swapped once and
// each gets one apply, and the work is spread over the workers.
// (A worker SIGKILLed mid-create is test/integration/worker-restart.test.ts.)
let fleet: FleetTestEnv;
beforeAll(async () => {
  fleet = await FleetTestEnv.create({ engine: startTestEngine });
});
afterAll(async () => {
  await fleet?.teardown();
});

const NAMES = ['mw1', 'mw2'];
// One node per cluster: the upgrade's surge replaces one node, not the default two.
const ONE_NODE = [{ name: 'default', nodeCount: 1 }];
const scrape = async (port: number) => parsePrometheusText(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text());
const tasks = (s: Scrape) => ({
  workflowTasks: value(s, 'temporal_workflow_task_execution_latency_count'),
  activities: value(s, 'temporal_activity_execution_latency_count'),
  applies: value(s, 'fleetflow_operations_started_total', { type: 'applyBundleToCluster' }),
});
/**
 * Resolves once a worker process polls `taskQueue` for workflow and activity tasks (the server
 * lists it among the pollers): its metrics answer earlier, while it still bundles the workflows.
 */
const polling = (taskQueue: string, worker: ChildProcess) =>
  eventually(async () => {
    const types = [1, 2]; // TASK_QUEUE_TYPE_WORKFLOW, TASK_QUEUE_TYPE_ACTIVITY
    const described = await Promise.all(types.map((taskQueueType) => fleet.client.workflowService.describeTaskQueue({ namespace: fleet.namespace, taskQueue: { name: taskQueue }, taskQueueType })));
    return described.every((d) => (d.pollers ?? []).some((p) => p.identity?.startsWith(`${worker.pid}@`)));
  }, (yes) => yes, 90_000);
/** The kube-apiserver binaries the local provider started for a cluster, in order (its log has one line per start). */
const apiserverStarts = (name: string) =>
  [...readFileSync(clusterPaths(fleet.dataDir, name).apiserverLog, 'utf8').matchAll(/^--- \S+ starting kube-apiserver: (\S+)/gm)].map((m) => m[1]!.split('/').slice(-2, -1)[0]);

it('finishes an upgrade wave and a rollout across workers when one is SIGKILLed mid-upgrade and another joins, changing each cluster once', async () => {
  const taskQueue = fleet.newTaskQueue();
  const logFile = join(fleet.dataDir, 'workers.log');
  const [port1, port2] = (await freePorts(2)) as [number, number];
  const gateDir = mkdtempSync(join(fleet.dataDir, 'gate-'));
  const gates = NAMES.map((name) => (mkdirSync(join(gateDir, name)), fileGate(join(gateDir, name))));

  // The gated worker is alone on the queue: it provisions both clusters, then runs the wave, and
  // holds each cluster's control-plane upgrade once it has swapped the API server to 1.36, before
  // answering. Both held, nothing of it is half done when it dies.
  const gated = fleet.spawnWorker(taskQueue, logFile, {
    entry: join(repoDir, 'test', 'helpers', 'gated-worker.ts'),
    env: { FLEETFLOW_TEST_GATE: gateDir, FLEETFLOW_TEST_GATE_CALL: 'upgradeControlPlane', FLEETFLOW_TEST_GATE_CLUSTERS: NAMES.join(',') },
  });
  await Promise.all(NAMES.map((name) =>
    fleet.client.workflow.execute('provisionCluster', { workflowId: `provision/${name}`, taskQueue, args: [{ spec: { name, provider: 'local', labels: { app: 'mw' }, nodePools: ONE_NODE } }] })));
  const wave = await fleet.client.workflow.start('upgradeWave', {
    workflowId: 'upgrade-wave/mw',
    taskQueue,
    args: [{ targets: [{ selector: { include: NAMES }, version: '1.36' }], sequence: [{ name: 'all', environments: ['*'] }], maxConcurrency: 2 }],
  });
  await Promise.all(gates.map((g) => g.reached()));

  // A second worker joins the same queue; then the first dies with both control-plane calls unanswered.
  const first = fleet.spawnWorker(taskQueue, logFile, { env: { FLEETFLOW_METRICS_ADDRESS: `127.0.0.1:${port1}` } });
  await polling(taskQueue, first);
  gated.kill('SIGKILL');
  await new Promise((r) => gated.once('exit', r));
  await Promise.all(gates.map((g) => g.open())); // nobody waits there any more; opened for tidiness

  // Another worker joins while the calls wait for their 60 s start-to-close timeout; retried,
  // each finds its control plane at 1.36.3 already and adopts it, and the node pools follow.
  const second = fleet.spawnWorker(taskQueue, logFile, { env: { FLEETFLOW_METRICS_ADDRESS: `127.0.0.1:${port2}` } });
  await polling(taskQueue, second);
  expect(await wave.result()).toMatchObject({ outcome: 'Succeeded', upgraded: NAMES });

  // Which survivor took the wave's remaining tasks is Temporal's choice; so that the second
  // worker's share is certain, the first stops (SIGTERM, its slots drained) and the rollout runs
  // on the second alone.
  const a = tasks(await scrape(port1));
  first.kill('SIGTERM');
  await new Promise((r) => first.once('exit', r));
  const rollout = await fleet.client.workflow.start('fleetRollout', {
    workflowId: 'rollout/mw',
    taskQueue,
    args: [{
      selector: { matchLabels: { app: 'mw' } },
      plan: { stages: [{ name: 'all', maxConcurrency: 2 }] },
      bundle: { name: 'cfg', revision: 'v1', manifests: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'default' }, data: { a: '1' } }] },
    }],
  });
  expect(await rollout.result()).toMatchObject({ outcome: 'Succeeded', applied: NAMES });

  // Each cluster changed once: its API server started twice (the create's 1.35.4, the upgrade's
  // 1.36.3, by the gated worker), one upgrade recorded, one apply.
  expect((await fleet.local.list()).map((c) => c.name).sort()).toEqual(NAMES);
  for (const name of NAMES) {
    expect(readFileSync(join(gateDir, name, 'reached'), 'utf8')).toBe(String(gated.pid));
    expect(apiserverStarts(name)).toEqual(['1.35.4', '1.36.3']);
    const state = await fleet.client.workflow.getHandle(clusterEntityId(name)).query(getClusterState);
    expect(state).toMatchObject({ phase: 'Active', version: '1.36.3' });
    expect(state.history.filter((h) => h.type === 'upgrade').map((h) => [h.id, h.status])).toEqual([[`upgrade/${name}`, 'Succeeded']]);
  }
  // The apply's started count runs right after the workflow task the client may see first: wait (bounded) for it.
  const b = await eventually(async () => tasks(await scrape(port2)), (s) => s.applies >= 2, 15_000);
  expect(b.applies).toBe(2);
  expect(b.workflowTasks).toBeGreaterThan(0);
  console.log(`multi-worker: gated worker swapped both control planes; worker 1 ${JSON.stringify(a)}; worker 2 ${JSON.stringify(b)}`);
  second.kill('SIGTERM');
  await new Promise((r) => second.once('exit', r));
});
