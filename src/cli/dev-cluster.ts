import { join } from 'node:path';
import { LocalTemporalCluster } from '../temporal/local-cluster/cluster.js';
import { describeSetup } from '../temporal/setup.js';
import type { CommandSpec } from './command-table.js';
import type { CliContext } from './context.js';
import { CommandError } from './errors.js';

/** The PostgreSQL-backed local Temporal cluster of temporal-dev/cluster, under FLEETFLOW_DATA/cluster. */
function localCluster(ctx: CliContext): LocalTemporalCluster {
  return new LocalTemporalCluster({
    dir: join(ctx.config.dataDir, 'cluster'),
    namespace: ctx.config.namespace,
    ...(process.env.FLEETFLOW_PG_BIN ? { pgBin: process.env.FLEETFLOW_PG_BIN } : {}),
  });
}

const failing = async (what: string, fn: () => Promise<void>) => {
  try {
    await fn();
  } catch (e) {
    throw new CommandError(`${what}: ${e instanceof Error ? e.message : String(e)}`);
  }
};

/** `fleetflow dev cluster up|down|status` (what temporal-dev/cluster runs). */
export const devClusterCommand: CommandSpec = {
  name: 'cluster',
  summary: 'a real Temporal cluster on PostgreSQL in the background (temporal-dev/cluster), instead of the dev server',
  subcommands: [
    {
      name: 'up',
      summary: 'start PostgreSQL and the Temporal server (schemas created or upgraded), then run setup',
      run: (ctx) =>
        failing('cluster up', async () => {
          const cluster = localCluster(ctx);
          const r = await cluster.up((line) => ctx.out(line));
          for (const line of describeSetup(r.setup)) ctx.out(`setup      ${line}`);
          ctx.out(`frontend   ${r.address}: export TEMPORAL_ADDRESS=${r.address} for the worker, the CLI and the API`);
        }),
    },
    {
      name: 'down',
      summary: 'stop the Temporal server and PostgreSQL (data kept for the next up)',
      run: (ctx) =>
        failing('cluster down', async () => {
          const r = await localCluster(ctx).down();
          ctx.out(`temporal   ${r.temporal ? 'stopped' : 'was not running'}`);
          ctx.out(`postgres   ${r.postgres ? 'stopped' : 'was not running'}`);
        }),
    },
    {
      name: 'status',
      summary: 'whether PostgreSQL and the Temporal server run, and the frontend address',
      run: (ctx) =>
        failing('cluster status', async () => {
          const s = await localCluster(ctx).status();
          ctx.out(`postgres   ${s.postgres ? `running (pid ${s.postgres})` : 'not running'}`);
          ctx.out(`temporal   ${s.temporal ? `running (pid ${s.temporal}), ${s.answering ? `answering on ${s.address}` : 'not answering'}` : 'not running'}`);
        }),
    },
  ],
};
