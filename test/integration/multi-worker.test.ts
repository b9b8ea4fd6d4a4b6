import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { repoDir } from '../../src/host/toolchain.js';
import { freePorts } from '../../src/providers/local/ports.js';
import { parsePrometheusText, value, type Scrape } from '../../src/telemetry/prom-text.js';
import { eventually, FleetTestEnv } from '../helpers/fleet-env.js';
import { fileGate } from '../helpers/gates.js';
import { startTestEngine } from '../helpers/test-engine.js';

// Several worker processes on one task queue: a worker is SIGKILLed holding a cluster's create,
// others carry on and one more joins; the provisions and then a rollout over the clusters finish, each
// cluster gets one control plane and one apply, and the work is spread over the workers.
let fleet: FleetTestEnv;
beforeAll(async () => {
  fleet = await FleetTestEnv.create({ engine: startTestEngine });
});
afterAll(async () => {
  await fleet?.teardown();
});

const scrape = async (port: number) => parsePrometheusText(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text());
const answering = (port: number) => eventually(() => scrape(port).catch(() => undefined), (s) => s !== undefined, 90_000) as Promise<Scrape>;
const tasks = (s: Scrape) => ({
  workflowTasks: value(s, 'temporal_workflow_task_execution_latency_count'),
  activities: value(s, 'temporal_activity_execution_latency_count'),
  applies: value(s, 'fleetflow_operations_started_total', { type: 'applyBundleToCluster' }),
});

it('finishes provisions and a rollout across workers when one is SIGKILLed mid-create and another joins, changing each cluster once', async () => {
  const taskQueue = fleet.newTaskQueue();
  const logFile = join(fleet.dataDir, 'workers.log');
  const [port1, port2] = (await freePorts(2)) as [number, number];
  const gateDir = mkdtempSync(join(fleet.dataDir, 'gate-'));
  const gate = fileGate(gateDir);

  // The gated worker is alone on the queue when mw1's create arrives: it runs it (the control
  // plane starts) and holds at the gate before answering.
  const gated = fleet.spawnWorker(taskQueue, logFile, { entry: join(repoDir, 'test', 'helpers', 'gated-worker.ts'), env: { FLEETFLOW_TEST_GATE: gateDir } });
  const provision = (name: string) => fleet.client.workflow.start('provisionCluster', { workflowId: `provision/${name}`, taskQueue, args: [{ spec: { name, provider: 'local', labels: { app: 'mw' } } }] });
  const mw1 = await provision('mw1');
  await gate.reached();

  // A second worker joins the same queue; then the first dies with mw1's create unanswered.
  const first = fleet.spawnWorker(taskQueue, logFile, { env: { FLEETFLOW_METRICS_ADDRESS: `127.0.0.1:${port1}` } });
  await answering(port1);
  gated.kill('SIGKILL');
  await new Promise((r) => gated.once('exit', r));
  await gate.open(); // nobody waits there any more; opened for tidiness

  expect(await (await provision('mw2')).result()).toMatchObject({ name: 'mw2' });
  const second = fleet.spawnWorker(taskQueue, logFile, { env: { FLEETFLOW_METRICS_ADDRESS: `127.0.0.1:${port2}` } });
  await answering(port2);
  // mw1's create, retried after its start-to-close timeout, adopts the control plane the killed worker started.
  expect(await mw1.result()).toMatchObject({ name: 'mw1' });
  const rollout = await fleet.client.workflow.start('fleetRollout', {
    workflowId: 'rollout/mw',
    taskQueue,
    args: [{
      selector: { matchLabels: { app: 'mw' } },
      plan: { stages: [{ name: 'all', maxConcurrency: 2 }] },
      bundle: { name: 'cfg', revision: 'v1', manifests: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'default' }, data: { a: '1' } }] },
    }],
  });
  expect(await rollout.result()).toMatchObject({ outcome: 'Succeeded', applied: ['mw1', 'mw2'] });

  // One control plane each, and the gated worker's create of mw1 was adopted, not repeated.
  expect((await fleet.local.list()).map((c) => c.name).sort()).toEqual(['mw1', 'mw2']);
  expect(readFileSync(join(gateDir, 'reached'), 'utf8')).toBe(String(gated.pid));
  // The apply's started count runs right after the workflow task the client may see first: wait (bounded) for it.
  const [a, b] = await eventually(() => Promise.all([scrape(port1), scrape(port2)]).then((s) => s.map(tasks)), (s) => s[0]!.applies + s[1]!.applies >= 2, 15_000);
  expect(a!.applies + b!.applies).toBe(2);
  expect(a!.workflowTasks + a!.activities).toBeGreaterThan(0);
  expect(b!.workflowTasks + b!.activities).toBeGreaterThan(0);
  console.log(`multi-worker: gated worker ran mw1's create; worker 1 ${JSON.stringify(a)}; worker 2 ${JSON.stringify(b)}`);
  for (const w of [first, second]) {
    w.kill('SIGTERM');
    await new Promise((r) => w.once('exit', r));
  }
});
