import { once } from 'node:events';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePorts } from '../../src/providers/local/ports.js';
import { parsePrometheusText, sampleNames, value, type Scrape } from '../../src/telemetry/prom-text.js';
import { eventually, FleetTestEnv } from '../helpers/fleet-env.js';
import { dashboardMetricNames, SDK_METRICS } from '../helpers/dashboard.js';

let fleet: FleetTestEnv;
beforeAll(async () => {
  fleet = await FleetTestEnv.create();
});
afterAll(async () => {
  await fleet?.teardown();
});

const started = (s: Scrape, type: string) => value(s, 'fleetflow_operations_started_total', { type });
const succeeded = (s: Scrape, type: string) => value(s, 'fleetflow_operations_finished_total', { type, outcome: 'succeeded' });

describe('the worker Prometheus endpoint', () => {
  it('counts a real provision and rollout exactly once each, shows the rollout stage progress and the fleet by phase, and serves every SDK metric the dashboard uses', async () => {
    const taskQueue = fleet.newTaskQueue();
    const [port] = await freePorts(1);
    const url = `http://127.0.0.1:${port}/metrics`;
    const worker = fleet.spawnWorker(taskQueue, join(fleet.dataDir, 'worker.log'), { env: { FLEETFLOW_METRICS_ADDRESS: `127.0.0.1:${port}` } });
    const scrape = async () => parsePrometheusText(await (await fetch(url)).text());
    // The endpoint comes up with the runtime, before the worker polls: wait until it answers.
    const before = await eventually(() => scrape().catch(() => undefined), (s) => s !== undefined, 60_000) as Scrape;

    await fleet.client.workflow.execute('provisionCluster', { workflowId: 'provision/m1', taskQueue, args: [{ spec: { name: 'm1', provider: 'local', labels: { app: 'metrics' } } }] });
    const bundle = { name: 'cfg', revision: 'v1', manifests: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'default' }, data: { a: '1' } }] };
    const rollout = await fleet.client.workflow.execute('fleetRollout', {
      workflowId: 'rollout/metrics',
      taskQueue,
      args: [{ selector: { matchLabels: { app: 'metrics' } }, plan: { stages: [{ name: 'all', maxFailures: 0 }] }, bundle }],
    });
    expect(rollout).toMatchObject({ outcome: 'Succeeded', applied: ['m1'] });

    // The workflow metric sink runs right after the workflow task that completed the workflow,
    // which the client may see first: wait (bounded) for the last count the rollout makes.
    const after = await eventually(scrape, (s) => succeeded(s, 'fleetRollout') === succeeded(before, 'fleetRollout') + 1, 15_000);
    const moved = (f: (s: Scrape) => number) => f(after) - f(before);
    expect({
      provisionStarted: moved((s) => started(s, 'provisionCluster')),
      provisionSucceeded: moved((s) => succeeded(s, 'provisionCluster')),
      rolloutStarted: moved((s) => started(s, 'fleetRollout')),
      rolloutSucceeded: moved((s) => succeeded(s, 'fleetRollout')),
      applyStarted: moved((s) => started(s, 'applyBundleToCluster')),
      applySucceeded: moved((s) => succeeded(s, 'applyBundleToCluster')),
      failed: moved((s) => value(s, 'fleetflow_operations_finished_total', { outcome: 'failed' })),
    }).toEqual({ provisionStarted: 1, provisionSucceeded: 1, rolloutStarted: 1, rolloutSucceeded: 1, applyStarted: 1, applySucceeded: 1, failed: 0 });

    const ofRollout = { type: 'fleetRollout', operation_id: 'rollout/metrics' };
    expect({
      running: value(after, 'fleetflow_staged_operation_running', ofRollout),
      stage: value(after, 'fleetflow_staged_operation_stage', ofRollout),
      stages: value(after, 'fleetflow_staged_operation_stages', ofRollout),
      succeeded: value(after, 'fleetflow_staged_operation_clusters', { ...ofRollout, status: 'succeeded' }),
      pending: value(after, 'fleetflow_staged_operation_clusters', { ...ofRollout, status: 'pending' }),
    }).toEqual({ running: 0, stage: 1, stages: 1, succeeded: 1, pending: 0 });

    // Counted from visibility every 15 s: the next count after the entity became Active.
    const fleetCount = await eventually(scrape, (s) => value(s, 'fleetflow_clusters', { phase: 'Active' }) === 1, 45_000);
    expect(fleetCount.samples.filter((s) => s.name === 'fleetflow_clusters' && s.value > 0).map((s) => s.labels)).toEqual([{ phase: 'Active', health: expect.any(String) }]);

    // Every SDK metric the Grafana dashboard queries is really served by this worker.
    const served = sampleNames(after);
    const used = dashboardMetricNames().filter((n) => SDK_METRICS.includes(n));
    expect(used.length).toBeGreaterThan(3);
    expect(used.filter((n) => !served.has(n))).toEqual([]);

    worker.kill('SIGTERM');
    await once(worker, 'exit');
  });
});
