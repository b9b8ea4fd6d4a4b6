import { NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { Client } from '@temporalio/client';
import { createActivities } from '../activities/index.js';
import { loadConfig } from '../src/config.js';
import { fleetflowDataConverter } from '../src/temporal/codec/data-converter.js';
import { explainConnectFailure, temporalConnectConfig } from '../src/temporal/connection.js';
import { workflowCode } from './bundle.js';
import { buildProviders } from '../src/providers/from-config.js';
import { WORKER_TUNING } from './tuning.js';
import { workerVersioningOptions } from './versioning.js';
import { startFleetGauge } from '../src/temporal/fleet-gauge.js';
import { startTracing } from '../src/telemetry/tracing.js';
import { clientTracingInterceptors } from '../src/telemetry/client-tracing.js';
import { installWorkerRuntime, workerTelemetryOptions } from './telemetry.js';

/** Runs a Fleetflow worker: every workflow and activity on one task queue, until SIGINT/SIGTERM. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = installWorkerRuntime(config.metricsAddress);
  const tracing = startTracing('fleetflow-worker');
  const { connectionOptions, namespace } = temporalConnectConfig(config);
  // One data converter for the worker and the activities' client: both encrypt with the config's keys.
  const dataConverter = fleetflowDataConverter(config);
  const connection = await NativeConnection.connect(connectionOptions).catch(async (e: unknown) => {
    throw new Error(`fleetflow worker: cannot connect to Temporal at ${connectionOptions.address}: ${await explainConnectFailure(e, connectionOptions)}`);
  });
  const client = new Client({ connection, namespace, dataConverter, ...clientTracingInterceptors() });
  const providers = buildProviders(config);
  const { workflowModules, ...code } = workflowCode(tracing !== undefined);
  const versioning = workerVersioningOptions(config);
  const worker = await Worker.create({
    connection,
    namespace,
    dataConverter,
    taskQueue: config.taskQueue,
    ...code,
    activities: createActivities({ client, providers, webhooks: config.webhooks }),
    ...WORKER_TUNING,
    ...versioning,
    ...workerTelemetryOptions(tracing, workflowModules),
  });
  const stopGauge = config.metricsAddress ? startFleetGauge(client, Runtime.instance().metricMeter, (err) => logger.warn(`counting the fleet for fleetflow_clusters failed: ${err instanceof Error ? err.message : String(err)}`)) : undefined;
  logger.info(`fleetflow worker: namespace ${namespace}, task queue ${config.taskQueue}, data ${config.dataDir}`, {
    ...(config.metricsAddress ? { metrics: `http://${config.metricsAddress}/metrics` } : {}),
    tracing: tracing ? 'otlp' : 'off',
    workflows: code.workflowBundle ? 'prebuilt bundle' : 'bundled from sources',
    versioning: versioning.workerDeploymentOptions ? `${versioning.workerDeploymentOptions.version.deploymentName} build ${versioning.workerDeploymentOptions.version.buildId}` : 'off',
  });
  await worker.run();
  stopGauge?.();
  await tracing?.shutdown();
  await connection.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
