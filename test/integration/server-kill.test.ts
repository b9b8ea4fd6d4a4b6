import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { LocalProvider } from '../../src/providers/local/index.js';
import { freePorts } from '../../src/providers/local/ports.js';
import { ProviderRegistry } from '../../src/providers/registry.js';
import { DevServer } from '../../src/temporal/dev-server.js';
import { workflowBundleOptions, workflowsPath } from '../../workers/bundle.js';
import { eventually } from '../helpers/fleet-env.js';
import { waveAndRolloutAcrossServerKills } from '../helpers/server-kill-scenario.js';
import { testDataConverter } from '../helpers/test-encryption.js';

// The Temporal dev server with its SQLite file, SIGKILLed while an upgrade wave and then a
// rollout wait at an approval gate half done, and started again on the same file: both
// operations resume and finish (the scenario shared with cluster-server-kill.test.ts). The
// worker and client stay up and reconnect by themselves.
const NAMESPACE = 'fleetflow';
let dataDir: string;
let server: DevServer;
let client: Client;
let connection: Connection;
let worker: Worker;
let running: Promise<void>;
let local: LocalProvider;
const taskQueue = 'server-kill';

beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } } });
  dataDir = mkdtempSync(join(tmpdir(), 'fleetflow-server-kill-'));
  const [port, uiPort] = await freePorts(2);
  server = new DevServer({ dataDir, namespace: NAMESPACE, port, uiPort });
  await server.start();
  connection = await Connection.connect({ address: server.address });
  client = new Client({ connection, namespace: NAMESPACE, dataConverter: testDataConverter });
  local = new LocalProvider({ dataDir });
  worker = await Worker.create({
    connection: await NativeConnection.connect({ address: server.address }),
    namespace: NAMESPACE,
    taskQueue,
    dataConverter: testDataConverter,
    workflowBundle: await bundleWorkflowCode({ workflowsPath, ...workflowBundleOptions, logger: new DefaultLogger('ERROR') }),
    activities: createActivities({ client, providers: new ProviderRegistry([local]) }),
  });
  running = worker.run();
});
afterAll(async () => {
  if (worker?.getState() === 'RUNNING') worker.shutdown();
  await running?.catch(() => undefined);
  await connection?.close();
  for (const c of (await local?.list()) ?? []) await local.delete({ name: c.name, region: 'local' });
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** SIGKILLs the dev server, waits for it to be gone, and starts it again on the same database file. */
async function killAndRestartServer(): Promise<void> {
  const { pid } = await server.status();
  expect(pid).toBeDefined();
  process.kill(pid!, 'SIGKILL');
  await eventually(() => server.status(), (s) => !s.pid && !s.answering, 20_000);
  expect(await server.start()).toMatchObject({ reused: false });
}

describe('the dev server killed mid-operation', () => {
  it('resumes an upgrade wave and a rollout after a SIGKILL and restart, both finishing, each cluster changed once', async () => {
    await waveAndRolloutAcrossServerKills({ client, taskQueue, local, dataDir, names: ['sk-1', 'sk-2'], killAndRestart: killAndRestartServer });
    expect(worker.getState()).toBe('RUNNING');
  }, 900_000);
});
