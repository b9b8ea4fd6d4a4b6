import { commandName, parseLeaf, resolve, visible, wantsHelp, type CommandSpec } from './command-table.js';
import type { CliContext } from './context.js';
import { UsageError } from './errors.js';
import { renderHelp } from './help.js';

/**
 * Runs the command `argv` names under `root` (whose name is the program's, "fleetflow").
 * `-h`/`--help` anywhere before `--`, or a group given no command (unless it runs by itself), prints that command's help
 * on stdout instead; nothing else runs, so `fleetflow rollout abort --help` is always safe.
 */
export async function execute(root: CommandSpec, ctx: CliContext, argv: string[]): Promise<void> {
  const { path, rest } = resolve(root, argv);
  const c = path.at(-1)!;
  // A group that runs by itself (`fleetflow api` serves) prints its help only when asked.
  if (wantsHelp(rest) || (c.subcommands && rest.length === 0 && !c.run)) return ctx.out(renderHelp(path));
  if (!c.run) {
    throw new UsageError(`${commandName(path)}: expected a command (${visible(c).map((s) => s.name).join(', ')}), not ${rest[0]}`);
  }
  await c.run(ctx, parseLeaf(path, rest));
}
