import { NativeConnection, Worker } from '@temporalio/worker';
import { Client } from '@temporalio/client';
import { createActivities } from '../../activities/index.js';
import { loadConfig } from '../../src/config.js';
import { LocalProvider } from '../../src/providers/local/index.js';
import { ProviderRegistry } from '../../src/providers/registry.js';
import { fleetflowDataConverter } from '../../src/temporal/codec/data-converter.js';
import { temporalConnectConfig } from '../../src/temporal/connection.js';
import { workflowsPath } from '../../workers/bundle.js';
import { WORKER_TUNING } from '../../workers/tuning.js';
import { workerVersioningOptions } from '../../workers/versioning.js';
import { fileGate, holdingAfterCreate } from './gates.js';

// workers/main.ts with one difference: the local provider's create holds at the file gate in
// FLEETFLOW_TEST_GATE, so a test can kill this process at exactly that moment.
const config = loadConfig();
const { connectionOptions, namespace } = temporalConnectConfig(config);
const dataConverter = fleetflowDataConverter(config);
const connection = await NativeConnection.connect(connectionOptions);
const gate = fileGate(process.env.FLEETFLOW_TEST_GATE!);
const providers = new ProviderRegistry([holdingAfterCreate(new LocalProvider({ dataDir: config.dataDir }), gate)]);
const worker = await Worker.create({
  connection,
  namespace,
  dataConverter,
  taskQueue: config.taskQueue,
  workflowsPath,
  activities: createActivities({ client: new Client({ connection, namespace, dataConverter }), providers, webhooks: config.webhooks }),
  ...WORKER_TUNING,
  ...workerVersioningOptions(config),
});
await worker.run();
