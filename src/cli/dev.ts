import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { LocalProvider, PROCESS_NAMES } from '../providers/local/index.js';
import { tailLog } from '../host/processes.js';
import { Daemon } from '../temporal/daemon.js';
import { temporalConnectConfig } from '../temporal/connection.js';
import { DevServer } from '../temporal/dev-server.js';
import { repoDir, Toolchain } from '../host/toolchain.js';
import type { CommandSpec } from './command-table.js';
import type { CliContext } from './context.js';
import { CommandError, UsageError } from './errors.js';
import { devApiUrl, ensureDevApiConfig } from './dev-api.js';
import { describeEncryption } from '../temporal/codec/describe.js';
import { devClusterCommand } from './dev-cluster.js';

const WORKER_ENTRY = join(repoDir, 'workers', 'main.ts');
const API_ENTRY = join(repoDir, 'src', 'api', 'main.ts');

/** `fleetflow dev up|down|status`: the local system (dev server, worker, local clusters). */
export const devCommand: CommandSpec = {
  name: 'dev',
  summary: 'the local system in the background: Temporal dev server, worker, API, local clusters (logs in .fleetflow/logs/)',
  subcommands: [
    { name: 'up', summary: 'start the dev server, a worker and the API, and restart stopped local clusters', run: async (ctx) => up(ctx, devParts(ctx)) },
    { name: 'down', summary: 'stop the API, the worker, local clusters (data kept) and the dev server', run: async (ctx) => down(ctx, devParts(ctx)) },
    { name: 'status', summary: 'what runs: dev server, worker, API, each local cluster', run: async (ctx) => status(ctx, devParts(ctx)) },
    devClusterCommand,
    // The dev server alone, for temporal-dev/start and stop.
    {
      name: 'server-start',
      hidden: true,
      summary: 'start the dev server alone',
      async run(ctx) {
        const { server } = devParts(ctx);
        const r = await server.start();
        ctx.out(`temporal ${r.reused ? 'already running' : 'started'} on ${server.address}; ui ${server.uiUrl}`);
      },
    },
    { name: 'server-stop', hidden: true, summary: 'stop the dev server alone', run: async (ctx) => ctx.out(`temporal ${(await devParts(ctx).server.stop()) ? 'stopped' : 'was not running'}`) },
  ],
};

function devParts(ctx: CliContext) {
  const { dataDir, namespace, uiPort } = ctx.config;
  // The dev server listens where clients will look for it: TEMPORAL_ADDRESS, if it is local.
  const address = temporalConnectConfig(ctx.config).connectionOptions.address ?? '127.0.0.1:7233';
  const m = /^(127\.0\.0\.1|localhost):(\d+)$/.exec(address);
  if (!m) throw new UsageError(`dev: TEMPORAL_ADDRESS is ${address}; the dev server only runs on 127.0.0.1`);
  const port = Number(m[2]);
  return {
    // The UI decodes payloads through the API's codec server (the API runs beside the worker).
    server: new DevServer({ dataDir, namespace, port, uiPort: uiPort ?? port + 1000, codecEndpoint: `${devApiUrl(process.env)}/codec` }),
    worker: new Daemon(join(dataDir, 'run', 'worker.pid'), WORKER_ENTRY),
    workerLog: join(dataDir, 'logs', 'worker.log'),
    api: new Daemon(join(dataDir, 'run', 'api.pid'), API_ENTRY),
    apiLog: join(dataDir, 'logs', 'api.log'),
    local: new LocalProvider({ dataDir }),
  };
}
type DevParts = ReturnType<typeof devParts>;

async function up(ctx: CliContext, p: DevParts) {
  try {
    new Toolchain().temporal; // throws, naming temporal-dev/install, when the toolchain is missing
  } catch (e) {
    throw new CommandError(e instanceof Error ? e.message : String(e));
  }
  // Made (or read) before anything starts: the worker and the API then share the one key.
  let encryption: string;
  try {
    encryption = describeEncryption(ctx.config);
  } catch (e) {
    throw new CommandError(e instanceof Error ? e.message : String(e));
  }
  const server = await p.server.start();
  // A server fleetflow did not start (temporal-dev/cluster's, another dev server) has its own log and perhaps no UI.
  const ours = server.pid !== undefined;
  ctx.out(`temporal   ${server.reused ? 'already running' : 'started'} on ${p.server.address}${ours ? ` (log ${p.server.logFile})` : ', not fleetflow\'s dev server'}`);
  ctx.out(`setup      ${server.setup.added.length > 0 ? `added search attributes ${server.setup.added.join(', ')}` : `namespace ${server.setup.namespace}, all ${server.setup.present.length} search attributes present`}`);
  ctx.out(`encryption ${encryption}`);
  const worker = await p.worker.start({
    name: 'worker',
    command: process.execPath,
    args: ['--import', 'tsx', WORKER_ENTRY],
    logFile: p.workerLog,
    cwd: repoDir,
    env: { ...process.env, FLEETFLOW_DATA: ctx.config.dataDir },
  });
  await waitForPoller(ctx, p, worker.pid);
  ctx.out(`worker     ${worker.reused ? 'already running' : 'started'} (pid ${worker.pid}, log ${p.workerLog})`);
  if (ctx.config.metricsAddress) ctx.out(`metrics    http://${ctx.config.metricsAddress}/metrics (Prometheus; FLEETFLOW_METRICS_ADDRESS)`);
  await upApi(ctx, p);
  // Local clusters were stopped by `dev down` (or a reboot): bring back whatever does not run.
  // start() only starts what is dead, and a cluster made before local clusters had a
  // controller manager, a scheduler and KWOK gains them here.
  for (const c of await p.local.list()) {
    const ref = { name: c.name, region: 'local' };
    const before = await p.local.processes(ref);
    await p.local.start(ref);
    const started = Object.entries(await p.local.processes(ref)).filter(([k]) => !(k in before));
    if (started.length > 0) ctx.out(`cluster    ${c.name}: started ${started.map(([k]) => PROCESS_NAMES[k as keyof typeof PROCESS_NAMES]).join(', ')}`);
  }
  ctx.out(ours ? `ui         ${p.server.uiUrl}` : `ui         none of fleetflow's (the server on ${p.server.address} is not its dev server; FLEETFLOW_UI_URL names a UI for the links)`);
}

/** The worker is up once it polls the task queue (bundling the workflows takes a few seconds). */
async function waitForPoller(ctx: CliContext, p: DevParts, pid: number) {
  const connection = await Connection.connect({ address: p.server.address });
  try {
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      const res = await connection.workflowService.describeTaskQueue({
        namespace: ctx.config.namespace,
        taskQueue: { name: ctx.config.taskQueue },
        taskQueueType: 1, // workflow
      });
      if ((res.pollers ?? []).length > 0) return;
      if (!(await p.worker.pid())) break;
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    await connection.close();
  }
  throw new CommandError(`the worker (pid ${pid}) did not start polling; its log:\n${await tailLog(p.workerLog, 15)}`);
}

/** The API beside the worker, with the dev config (see dev-api.ts) unless FLEETFLOW_CONFIG names one. */
async function upApi(ctx: CliContext, p: DevParts) {
  const setup = ensureDevApiConfig(ctx.config.dataDir, process.env);
  const api = await p.api.start({
    name: 'api',
    command: process.execPath,
    args: ['--import', 'tsx', API_ENTRY],
    logFile: p.apiLog,
    cwd: repoDir,
    env: {
      ...process.env,
      FLEETFLOW_DATA: ctx.config.dataDir,
      FLEETFLOW_CONFIG: setup.configFile,
      FLEETFLOW_UI_URL: p.server.uiUrl.replace(/\/namespaces\/.*$/, ''),
      // Dev only: the local UI has no login, so its browser may decode without a token (see README, "Encryption").
      FLEETFLOW_DEV_CODEC_ORIGIN: p.server.uiOrigin,
    },
  });
  await waitForApi(p, setup.url, api.pid);
  ctx.out(`api        ${api.reused ? 'already running' : 'started'} on ${setup.url} (pid ${api.pid}, log ${p.apiLog}; reference ${setup.url}/docs)`);
  if (setup.tokenFile) {
    ctx.out(`           admin token of this local API: ${setup.tokenFile}`);
    ctx.out(`           curl -H "Authorization: Bearer $(cat ${setup.tokenFile})" ${setup.url}/v1/clusters`);
  }
}

/** The API is up once it answers /openapi.json. */
async function waitForApi(p: DevParts, url: string, pid: number) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${url}/openapi.json`, { signal: AbortSignal.timeout(2_000) })).ok) return;
    } catch {
      // not listening yet
    }
    if (!(await p.api.pid())) break;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new CommandError(`the API (pid ${pid}) did not answer on ${url}; its log:\n${await tailLog(p.apiLog, 15)}`);
}

async function down(ctx: CliContext, p: DevParts) {
  ctx.out(`api        ${(await p.api.stop()) ? 'stopped' : 'was not running'}`);
  ctx.out(`worker     ${(await p.worker.stop()) ? 'stopped' : 'was not running'}`);
  const clusters = (await p.local.list()).filter((c) => c.status !== 'Stopped');
  await p.local.stopAll();
  ctx.out(`clusters   ${clusters.length} local cluster(s) stopped; their data is kept for \`dev up\``);
  ctx.out(`temporal   ${(await p.server.stop()) ? 'stopped' : 'was not running (or not started by fleetflow)'}`);
}

async function status(ctx: CliContext, p: DevParts) {
  const server = await p.server.status();
  const worker = await p.worker.pid();
  ctx.out(`temporal   ${server.answering ? `answering on ${p.server.address}` : 'not answering'}${server.pid ? ` (pid ${server.pid})` : ''}`);
  ctx.out(`worker     ${worker ? `running (pid ${worker})` : 'not running'}`);
  const api = await p.api.pid();
  ctx.out(`api        ${api ? `running on ${devApiUrl(process.env)} (pid ${api})` : 'not running'}`);
  for (const c of await p.local.list()) {
    ctx.out(`cluster    ${c.name}: ${c.status}${c.version ? ` v${c.version}` : ''}${c.endpoint ? ` ${c.endpoint}` : ''}`);
  }
  if (server.answering) ctx.out(`ui         ${p.server.uiUrl}`);
}
