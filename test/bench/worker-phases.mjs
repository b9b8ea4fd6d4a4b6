// `node test/bench/worker-phases.mjs` (run by worker-start.ts with the dev server's env): the steps of
// dist/workers/main.js with a mark after each, to show where a built worker's start goes. It mirrors
// main.ts step for step (imports in the same order); keep the two alike.
const marks = [];
const mark = (what) => marks.push([what, performance.now()]);
mark('node ready (process start to first line of user code)');
const D = new URL('../../dist', import.meta.url).pathname;
const { NativeConnection, Runtime, Worker } = await import('@temporalio/worker');
mark('import @temporalio/worker');
const { Client } = await import('@temporalio/client');
const { createActivities } = await import(`${D}/activities/index.js`);
const { loadConfig } = await import(`${D}/src/config.js`);
const { fleetflowDataConverter } = await import(`${D}/src/temporal/codec/data-converter.js`);
const { temporalConnectConfig } = await import(`${D}/src/temporal/connection.js`);
const { workflowCode } = await import(`${D}/workers/bundle.js`);
const { buildProviders } = await import(`${D}/src/providers/from-config.js`);
const { WORKER_TUNING } = await import(`${D}/workers/tuning.js`);
const { workerVersioningOptions } = await import(`${D}/workers/versioning.js`);
await import(`${D}/src/temporal/fleet-gauge.js`);
const { startTracing } = await import(`${D}/src/telemetry/tracing.js`);
const { clientTracingInterceptors } = await import(`${D}/src/telemetry/client-tracing.js`);
const { installWorkerRuntime, workerTelemetryOptions } = await import(`${D}/workers/telemetry.js`);
mark('import the rest of main.js (activities, providers, telemetry)');
const config = loadConfig();
installWorkerRuntime(config.metricsAddress);
const tracing = startTracing('fleetflow-worker');
const { connectionOptions, namespace } = temporalConnectConfig(config);
const dataConverter = fleetflowDataConverter(config);
mark('config, Runtime.install (core runtime), data converter');
const connection = await NativeConnection.connect(connectionOptions);
mark('NativeConnection.connect');
const client = new Client({ connection, namespace, dataConverter, ...clientTracingInterceptors() });
const providers = buildProviders(config);
const { workflowModules, ...code } = workflowCode(tracing !== undefined);
const activities = createActivities({ client, providers, webhooks: config.webhooks });
mark('client, providers, activities');
const worker = await Worker.create({ connection, namespace, dataConverter, taskQueue: config.taskQueue, ...code, activities, ...WORKER_TUNING, ...workerVersioningOptions(config), ...workerTelemetryOptions(tracing, workflowModules) });
mark('Worker.create (reads the prebuilt bundle, makes the workflow V8 context)');
await worker.runUntil(async () => {
  while (worker.getState() !== 'RUNNING') await new Promise((r) => setTimeout(r, 5));
  mark('worker.run until RUNNING (polling)');
});
// One JSON line: [phase, ms] pairs.
let prev = 0;
const phases = marks.map(([what, t]) => { const r = [what, Math.round(t - prev)]; prev = t; return r; });
console.log(JSON.stringify(phases));
await connection.close();
