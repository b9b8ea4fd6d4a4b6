import { join } from 'node:path';
import { NativeConnection, Worker } from '@temporalio/worker';
import { Client } from '@temporalio/client';
import { createActivities } from '../../activities/index.js';
import { loadConfig } from '../../src/config.js';
import { LocalProvider } from '../../src/providers/local/index.js';
import { ProviderRegistry } from '../../src/providers/registry.js';
import { fleetflowDataConverter } from '../../src/temporal/codec/data-converter.js';
import { temporalConnectConfig } from '../../src/temporal/connection.js';
import { workflowBundleOptions, workflowsPath } from '../../workers/bundle.js';
import { WORKER_TUNING } from '../../workers/tuning.js';
import { workerVersioningOptions } from '../../workers/versioning.js';
import { fileGate, holdableCall, holdingAfter } from './gates.js';

// workers/main.ts with one difference: a local provider call holds at the file gate in
// FLEETFLOW_TEST_GATE after doing its work, so a test can kill this process at exactly that
// moment. FLEETFLOW_TEST_GATE_CALL names the call (create, the default, or upgradeControlPlane).
// With FLEETFLOW_TEST_GATE_CLUSTERS (names, comma-separated) only those clusters' calls hold,
// each at its own gate, the folder FLEETFLOW_TEST_GATE/NAME; without it every call holds at one.
const config = loadConfig();
const { connectionOptions, namespace } = temporalConnectConfig(config);
const dataConverter = fleetflowDataConverter(config);
const connection = await NativeConnection.connect(connectionOptions);
const gateDir = process.env.FLEETFLOW_TEST_GATE!;
const call = holdableCall(process.env.FLEETFLOW_TEST_GATE_CALL ?? 'create');
const only = process.env.FLEETFLOW_TEST_GATE_CLUSTERS?.split(',');
const gate = fileGate(gateDir);
const gateOf = (cluster: string) => (!only ? gate : only.includes(cluster) ? fileGate(join(gateDir, cluster)) : undefined);
const providers = new ProviderRegistry([holdingAfter(new LocalProvider({ dataDir: config.dataDir }), call, gateOf)]);
const worker = await Worker.create({
  connection,
  namespace,
  dataConverter,
  taskQueue: config.taskQueue,
  workflowsPath,
  bundlerOptions: workflowBundleOptions,
  activities: createActivities({ client: new Client({ connection, namespace, dataConverter }), providers, webhooks: config.webhooks }),
  ...WORKER_TUNING,
  ...workerVersioningOptions(config),
});
await worker.run();
