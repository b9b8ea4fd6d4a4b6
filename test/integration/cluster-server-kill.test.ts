import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { LocalProvider } from '../../src/providers/local/index.js';
import { ProviderRegistry } from '../../src/providers/registry.js';
import { workflowBundleOptions, workflowsPath } from '../../workers/bundle.js';
import { waveAndRolloutAcrossServerKills } from '../helpers/server-kill-scenario.js';
import { startTemporalCluster, type TemporalClusterHandle } from '../helpers/temporal-cluster.js';
import { testDataConverter } from '../helpers/test-encryption.js';

// The PostgreSQL-backed cluster's temporal-server SIGKILLed while an upgrade wave and then a
// rollout wait at an approval gate half done, and started again on the same PostgreSQL data
// (PostgreSQL stays up): both resume and finish. Then the same with PostgreSQL itself SIGKILLed
// (postmaster and backends) and started again on its data, the server staying up.
// (The dev server on its SQLite file: server-kill.test.ts.)
const taskQueue = 'cluster-server-kill';
let dataDir: string;
let cluster: TemporalClusterHandle;
let connection: Connection;
let worker: Worker;
let running: Promise<void>;
let local: LocalProvider;

beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } } });
  dataDir = mkdtempSync(join(tmpdir(), 'fleetflow-cluster-kill-'));
  cluster = await startTemporalCluster();
  connection = await Connection.connect({ address: cluster.address });
  local = new LocalProvider({ dataDir });
  const client = new Client({ connection, namespace: cluster.namespace, dataConverter: testDataConverter });
  worker = await Worker.create({
    connection: await NativeConnection.connect({ address: cluster.address }),
    namespace: cluster.namespace,
    taskQueue,
    dataConverter: testDataConverter,
    workflowBundle: await bundleWorkflowCode({ workflowsPath, ...workflowBundleOptions, logger: new DefaultLogger('ERROR') }),
    activities: createActivities({ client, providers: new ProviderRegistry([local]) }),
  });
  running = worker.run();
}, 180_000);
afterAll(async () => {
  if (worker?.getState() === 'RUNNING') worker.shutdown();
  await running?.catch(() => undefined);
  await connection?.close();
  for (const c of (await local?.list()) ?? []) await local.delete({ name: c.name, region: 'local' });
  await cluster?.stop();
  rmSync(dataDir, { recursive: true, force: true });
}, 120_000);

/** The shared scenario on clusters `names`, taking down and up what `kill` and `restart` do; logs how long each outage took. */
async function acrossOutages(names: [string, string], what: string, kill: () => Promise<void>, restart: () => Promise<void>): Promise<void> {
  const client = new Client({ connection, namespace: cluster.namespace, dataConverter: testDataConverter });
  const outages: number[] = [];
  const killAndRestart = async () => {
    const t0 = Date.now();
    await kill();
    await restart();
    outages.push(Date.now() - t0);
  };
  await waveAndRolloutAcrossServerKills({ client, taskQueue, local, dataDir, names, nodePools: [{ name: 'default', nodeCount: 1 }], killAndRestart });
  expect(worker.getState()).toBe('RUNNING');
  console.log(`cluster-server-kill: cluster up in ${cluster.startupMs} ms; ${what} kill + restart took ${outages.join(', ')} ms`);
}

it('resumes an upgrade wave and a rollout after the cluster\'s temporal-server is SIGKILLed and restarted on the same PostgreSQL, each cluster changed once', async () => {
  await acrossOutages(['ck1', 'ck2'], 'temporal-server', () => cluster.killServer(), () => cluster.restartServer());
}, 900_000);

it('resumes an upgrade wave and a rollout after PostgreSQL is SIGKILLed under the running server and restarted on its data, each cluster changed once', async () => {
  await acrossOutages(['cp1', 'cp2'], 'PostgreSQL', () => cluster.killPostgres(), () => cluster.restartPostgres());
}, 900_000);
