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

const WORKER_ENTRY = join(repoDir, 'workers', 'main.ts');

/** `fleetflow dev up|down|status`: the local system (dev server, worker, local clusters). */
export const devCommand: CommandSpec = {
  name: 'dev',
  summary: 'the local system in the background: Temporal dev server, worker, local clusters (logs in .fleetflow/logs/)',
  subcommands: [
    { name: 'up', summary: 'start the dev server and a worker, and restart stopped local clusters', run: async (ctx) => up(ctx, devParts(ctx)) },
    { name: 'down', summary: 'stop the worker, local clusters (data kept) and the dev server', run: async (ctx) => down(ctx, devParts(ctx)) },
    { name: 'status', summary: 'what runs: dev server, worker, each local cluster', run: async (ctx) => status(ctx, devParts(ctx)) },
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
    server: new DevServer({ dataDir, namespace, port, uiPort: uiPort ?? port + 1000 }),
    worker: new Daemon(join(dataDir, 'run', 'worker.pid'), WORKER_ENTRY),
    workerLog: join(dataDir, 'logs', 'worker.log'),
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
  const server = await p.server.start();
  ctx.out(`temporal   ${server.reused ? 'already running' : 'started'} on ${p.server.address} (log ${p.server.logFile})`);
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
  ctx.out(`ui         ${p.server.uiUrl}`);
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

async function down(ctx: CliContext, p: DevParts) {
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
  for (const c of await p.local.list()) {
    ctx.out(`cluster    ${c.name}: ${c.status}${c.version ? ` v${c.version}` : ''}${c.endpoint ? ` ${c.endpoint}` : ''}`);
  }
  if (server.answering) ctx.out(`ui         ${p.server.uiUrl}`);
}
