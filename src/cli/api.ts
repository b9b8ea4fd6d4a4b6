import { API_GROUP_FLAGS, apiServeCommand, serveApiCommand } from './api-serve.js';
import { apiTokenCommand } from './api-tokens.js';
import type { CommandSpec } from './command-table.js';

/** `fleetflow api ...`: the change-management API; by itself it serves it, beside `token`. */
export const apiCommand: CommandSpec = {
  name: 'api',
  summary: 'the change-management HTTP API: `fleetflow api` (or `api serve`) serves it; its static tokens',
  details: 'Listen address: --address, else FLEETFLOW_API_ADDRESS, else api.address of the config file (default 127.0.0.1:8080).',
  flags: API_GROUP_FLAGS,
  run: serveApiCommand,
  subcommands: [apiServeCommand, apiTokenCommand],
};
