import { runApi } from '../api/run.js';
import { LineLogger } from '../telemetry/log-format.js';
import type { Args, CommandSpec, FlagSpec } from './command-table.js';
import type { CliContext } from './context.js';
import { CommandError } from './errors.js';

const ADDRESS_FLAG: FlagSpec = { name: 'address', type: 'string', value: 'HOST:PORT', help: 'where to listen (default FLEETFLOW_API_ADDRESS, else 127.0.0.1:8080)' };

/** Serves the API in the foreground until Ctrl-C. */
export async function serveApiCommand(ctx: CliContext, args: Args): Promise<void> {
  const address = args.string('address');
  try {
    await runApi({ logger: new LineLogger({ base: { component: 'api' }, write: ctx.out }), ...(address ? { address } : {}) });
  } catch (e) {
    throw new CommandError(e instanceof Error ? e.message : String(e));
  }
}

/** `fleetflow api serve` (also plain `fleetflow api`). */
export const apiServeCommand: CommandSpec = {
  name: 'serve',
  summary: 'serve the change-management HTTP API in the foreground (the access policy from FLEETFLOW_CONFIG)',
  flags: [ADDRESS_FLAG],
  details: 'OpenAPI 3.1 at /openapi.json, the reference at /docs. Temporal UI links: FLEETFLOW_UI_URL (default the dev server\'s).',
  run: serveApiCommand,
};

/** The flags of the group itself, so that `fleetflow api --address ...` serves too. */
export const API_GROUP_FLAGS: readonly FlagSpec[] = [ADDRESS_FLAG];
