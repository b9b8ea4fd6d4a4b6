import { temporalConnectConfig } from '../temporal/connection.js';
import { describeSetup, setupTemporal } from '../temporal/setup.js';
import type { CommandSpec } from './command-table.js';
import { CommandError, UsageError } from './errors.js';

/** `fleetflow setup`: the namespace, its retention and the search attributes, on whatever Temporal the connection names. */
export const setupCommand: CommandSpec = {
  name: 'setup',
  summary: 'prepare the Temporal namespace: create it if missing, set retention, register the search attributes (idempotent)',
  flags: [{ name: 'retention', type: 'string', value: 'DAYS', help: 'workflow retention in days (a new namespace gets 30; an existing one keeps its own unless given)' }],
  details: `Works on the dev server, a self-hosted cluster and Temporal Cloud. On Cloud the namespace and its
search attributes are managed by Cloud: setup checks them and prints the tcld commands for what is missing.`,
  async run(ctx, args) {
    const raw = args.string('retention');
    let retentionDays: number | undefined;
    if (raw !== undefined) {
      retentionDays = Number(raw);
      if (!Number.isInteger(retentionDays) || retentionDays < 1) throw new UsageError(`--retention: ${raw} is not a whole number of days (1 or more)`);
    }
    const client = await ctx.temporal();
    const { connectionOptions, namespace } = temporalConnectConfig(ctx.config);
    let report;
    try {
      report = await setupTemporal(client.connection, { namespace, address: connectionOptions.address, ...(retentionDays ? { retentionDays } : {}) });
    } catch (e) {
      throw new CommandError(`setup of ${namespace}: ${e instanceof Error ? e.message : String(e)}`);
    }
    for (const line of describeSetup(report)) ctx.out(line);
    if (report.manual.length > 0) throw new CommandError(`${report.manual.length} search attribute(s) must be added in Temporal Cloud before the worker runs`);
  },
};
