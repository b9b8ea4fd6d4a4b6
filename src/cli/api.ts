import { API_GROUP_FLAGS, apiServeCommand, serveApiCommand } from './api-serve.js';
import type { CommandSpec } from './command-table.js';

/** `fleetflow api ...`: the change-management API; by itself it serves it. */
export const apiCommand: CommandSpec = {
  name: 'api',
  summary: 'the change-management HTTP API: `fleetflow api` (or `api serve`) serves it',
  details: 'Listen address: --address, else FLEETFLOW_API_ADDRESS, else 127.0.0.1:8080.',
  flags: API_GROUP_FLAGS,
  run: serveApiCommand,
  subcommands: [apiServeCommand],
};
