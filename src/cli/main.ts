import { agentCommand } from './agent.js';
import { apiCommand } from './api.js';
import { changesCommand } from './changes.js';
import { CliContext } from './context.js';
import { clustersCommand } from './clusters.js';
import { resolve, type CommandSpec } from './command-table.js';
import { completionCommand } from './completion.js';
import { deploymentCommand } from './deployment.js';
import { devCommand } from './dev.js';
import { execute } from './dispatch.js';
import { CommandError, exitCodeOf, UsageError } from './errors.js';
import { decommissionCommand } from './fleet-decommission.js';
import { renderHelp } from './help.js';
import { policyCommand } from './policy.js';
import { schedulesCommand } from './schedules.js';
import { setupCommand } from './setup.js';
import { placementCommand } from './placement.js';
import { rolloutCommand } from './rollout.js';
import { upgradeCommand } from './upgrade.js';
import { tracedCommand } from '../telemetry/cli-trace.js';

/** Every command of the CLI: what it runs, its help and its shell completion all come from here. */
export const COMMANDS: CommandSpec = {
  name: 'fleetflow',
  summary: 'fleetflow: one control plane above a fleet of Kubernetes clusters',
  details: `Temporal connection: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE (default fleetflow), TEMPORAL_API_KEY,
TEMPORAL_TLS_*, TEMPORAL_PROFILE; task queue: FLEETFLOW_TASK_QUEUE; worker deployment: FLEETFLOW_DEPLOYMENT_NAME; local data: FLEETFLOW_DATA;
provider accounts, access policy and API settings: FLEETFLOW_CONFIG. A user mistake exits 2, a
failed or refused operation 1.`,
  subcommands: [
    devCommand,
    setupCommand,
    clustersCommand,
    upgradeCommand,
    rolloutCommand,
    placementCommand,
    decommissionCommand,
    policyCommand,
    schedulesCommand,
    apiCommand,
    agentCommand,
    changesCommand,
    deploymentCommand,
    completionCommand(() => COMMANDS),
    {
      name: 'help',
      args: '[COMMAND...]',
      summary: 'this help, or the help of a command (the same as COMMAND --help)',
      async run(ctx, args) {
        ctx.out(renderHelp(resolve(COMMANDS, args.positionals).path));
      },
    },
  ],
};

/** Runs one command (traced when OTLP is configured); returns the exit code. User mistakes are one line, never a stack trace. */
export async function run(argv: string[], ctx = new CliContext()): Promise<number> {
  return tracedCommand(argv, () => runCommand(argv, ctx));
}

async function runCommand(argv: string[], ctx: CliContext): Promise<number> {
  try {
    await execute(COMMANDS, ctx, argv);
    return 0;
  } catch (e) {
    if (e instanceof UsageError || e instanceof CommandError) {
      process.stderr.write(`error: ${e.message}\n`);
      return exitCodeOf(e);
    }
    if (process.env.FLEETFLOW_DEBUG) throw e;
    process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)} (FLEETFLOW_DEBUG=1 shows the stack)\n`);
    return 1;
  } finally {
    await ctx.close();
  }
}
