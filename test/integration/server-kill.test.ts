import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { serverVersion } from '../../src/kube/health.js';
import { readObject } from '../../src/kube/read.js';
import { LocalProvider } from '../../src/providers/local/index.js';
import { freePorts } from '../../src/providers/local/ports.js';
import { ProviderRegistry } from '../../src/providers/registry.js';
import { DevServer } from '../../src/temporal/dev-server.js';
import { workflowsPath } from '../../workers/bundle.js';
import { eventually } from '../helpers/fleet-env.js';
import { resultThroughOutages } from '../helpers/server-kill-scenario.js';
import { testDataConverter } from '../helpers/test-encryption.js';

// The Temporal dev server with its SQLite file, SIGKILLed in the middle of an upgrade wave and
// of a rollout and started again on the same file: both operations resume and finish. The
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
    workflowBundle: await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('ERROR') }),
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
  it('resumes an upgrade wave and a rollout after a SIGKILL and restart, both finishing', async () => {
    await Promise.all(
      [['sk-1', 'dev'], ['sk-2', 'staging']].map(([name, environment]) =>
        client.workflow.execute('provisionCluster', { workflowId: `provision/${name}`, taskQueue, args: [{ spec: { name, provider: 'local', environment, labels: { app: 'sk' } } }] }),
      ),
    );
    const creds = Object.fromEntries(await Promise.all(['sk-1', 'sk-2'].map(async (n) => [n, await local.credentials({ name: n, region: 'local' })] as const)));

    // The wave: killed once the dev stage's cluster is upgraded, during its soak, before staging's.
    const wave = await client.workflow.start('upgradeWave', { workflowId: 'upgrade-wave/server-kill', taskQueue, args: [{ targets: [{ selector: { include: ['sk-1', 'sk-2'] }, version: '1.36' }], soak: '5s' }] });
    await eventually(() => serverVersion(creds['sk-1']!).catch(() => 'down'), (v) => v === '1.36.3', 240_000);
    expect(await serverVersion(creds['sk-2']!)).toBe('1.35.4');
    await killAndRestartServer();
    expect(await resultThroughOutages(wave)).toMatchObject({ outcome: 'Succeeded', upgraded: ['sk-1', 'sk-2'] });
    expect(await serverVersion(creds['sk-2']!)).toBe('1.36.3');

    // The rollout: killed once the canary has the bundle, during the canary's soak.
    const settings = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'default' }, data: { tier: 'gold' } };
    const rollout = await client.workflow.start('fleetRollout', {
      workflowId: 'rollout/server-kill',
      taskQueue,
      args: [{ selector: { matchLabels: { app: 'sk' } }, plan: { stages: [{ name: 'canary', selector: { include: ['sk-1'] }, soak: '5s' }, { name: 'rest' }] }, bundle: { name: 'sk', revision: 'v1', manifests: [settings] } }],
    });
    const tier = (name: string) => readObject(creds[name]!, { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'settings' }).then((cm) => (cm as { data?: Record<string, string> } | undefined)?.data?.tier);
    await eventually(() => tier('sk-1'), (t) => t === 'gold', 120_000);
    expect(await tier('sk-2')).toBeUndefined();
    await killAndRestartServer();
    expect(await resultThroughOutages(rollout)).toMatchObject({ outcome: 'Succeeded', applied: ['sk-1', 'sk-2'] });
    expect(await tier('sk-2')).toBe('gold');
    expect(worker.getState()).toBe('RUNNING');
  });
});
