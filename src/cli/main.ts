import { CliContext } from './context.js';
import { clustersCommand } from './clusters.js';
import { devCommand } from './dev.js';
import { CommandError, exitCodeOf, UsageError } from './errors.js';
import { schedulesCommand } from './schedules.js';
import { rolloutCommand } from './rollout.js';
import { upgradeCommand } from './upgrade.js';

const USAGE = `fleetflow: one control plane above a fleet of Kubernetes clusters

  fleetflow dev up|down|status            local dev server + worker in the background
  fleetflow clusters register -f FILE     add a cluster to the inventory
  fleetflow clusters provision -f FILE    create, bootstrap and verify a cluster [--no-wait]
  fleetflow clusters list [--selector k=v,...] [-o json] [--all]
  fleetflow clusters get NAME [-o json]
  fleetflow clusters kubeconfig NAME      admin kubeconfig of a local cluster
  fleetflow clusters decommission NAME [--force --reason TEXT] [--no-wait]
  fleetflow clusters decommission --selector k=v,... --reason TEXT [--dry-run [-o json]] [--wait] [--id ID]
                                  [--approval-timeout 24h] [--max-concurrency 5]
  fleetflow clusters decommission --approve ID | --abort ID  --reason TEXT [--by NAME]
  fleetflow clusters decommission --status ID [-o json] [--wait]
  fleetflow upgrade start -f PLAN [--dry-run] [--id ID] [--no-wait]   an upgrade wave
  fleetflow upgrade status|watch ID [-o json]
  fleetflow upgrade approve ID GATE | pause ID | resume ID | abort ID --reason TEXT
  fleetflow upgrade retry ID [CLUSTER...] | skip ID CLUSTER --reason TEXT
  fleetflow rollout start -f ROLLOUT [--dry-run] [--id ID] [--no-wait]  a staged bundle rollout
  fleetflow rollout status|watch ID [-o json] | approve ID GATE | pause ID | resume ID
  fleetflow rollout abort ID --reason TEXT [--rollback] | retry ID [CLUSTER...] | skip ID CLUSTER --reason TEXT
  fleetflow schedules create -f FILE | list | describe ID | pause ID | unpause ID | trigger ID | delete ID

Temporal connection: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE (default fleetflow), TEMPORAL_API_KEY,
TEMPORAL_TLS_*; task queue: FLEETFLOW_TASK_QUEUE; local data: FLEETFLOW_DATA.`;

/** Runs one command; returns the exit code. User mistakes are one line, never a stack trace. */
export async function run(argv: string[], ctx = new CliContext()): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'dev':
        await devCommand(ctx, rest);
        break;
      case 'clusters':
      case 'cluster':
        await clustersCommand(ctx, rest);
        break;
      case 'upgrade':
      case 'upgrades':
        await upgradeCommand(ctx, rest);
        break;
      case 'rollout':
      case 'rollouts':
        await rolloutCommand(ctx, rest);
        break;
      case 'schedules':
      case 'schedule':
        await schedulesCommand(ctx, rest);
        break;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        ctx.out(USAGE);
        break;
      default:
        throw new UsageError(`unknown command "${command}"; run \`fleetflow help\``);
    }
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
