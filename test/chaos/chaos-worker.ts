import { createHash } from 'node:crypto';
import { appendFileSync, existsSync } from 'node:fs';
import { Client } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../../activities/index.js';
import { loadConfig } from '../../src/config.js';
import { LocalProvider } from '../../src/providers/local/index.js';
import { clusterPaths } from '../../src/providers/local/paths.js';
import { ProviderRegistry } from '../../src/providers/registry.js';
import { fleetflowDataConverter } from '../../src/temporal/codec/data-converter.js';
import { temporalConnectConfig } from '../../src/temporal/connection.js';
import { WORKER_TUNING } from '../../workers/tuning.js';

// workers/main.ts with two differences, so the chaos driver can kill and restart it often:
// - it loads the workflow bundle the test built once (FLEETFLOW_CHAOS_BUNDLE) instead of
//   bundling at every start, so a restart takes seconds;
// - the local provider's create writes a line to FLEETFLOW_CHAOS_JOURNAL before and after each
//   call (synchronously, so a kill cannot lose a line already passed): whether the cluster
//   existed when it began, and the identity (a digest of its CA certificate, made once when the
//   cluster is built) of the cluster it found or left; the invariant "each cluster created
//   once" reads it.
const config = loadConfig();
const journal = process.env.FLEETFLOW_CHAOS_JOURNAL!;
const note = (entry: object) => appendFileSync(journal, `${JSON.stringify({ ...entry, pid: process.pid })}\n`);

const local = new LocalProvider({ dataDir: config.dataDir });
const create = local.create.bind(local);
const identity = async (name: string) => createHash('sha256').update((await local.credentials({ name, region: 'local' })).caPem).digest('hex').slice(0, 16);
local.create = async (req) => {
  const fresh = !existsSync(clusterPaths(config.dataDir, req.name).state);
  note({ event: 'create-begin', name: req.name, fresh, ...(fresh ? {} : { identity: await identity(req.name) }) });
  const cluster = await create(req);
  note({ event: 'create-end', name: req.name, identity: await identity(req.name) });
  return cluster;
};

const { connectionOptions, namespace } = temporalConnectConfig(config);
const dataConverter = fleetflowDataConverter(config);
const connection = await NativeConnection.connect(connectionOptions);
const worker = await Worker.create({
  connection,
  namespace,
  dataConverter,
  taskQueue: config.taskQueue,
  workflowBundle: { codePath: process.env.FLEETFLOW_CHAOS_BUNDLE! },
  activities: createActivities({ client: new Client({ connection, namespace, dataConverter }), providers: new ProviderRegistry([local]) }),
  ...WORKER_TUNING,
});
note({ event: 'worker-ready' });
await worker.run();
