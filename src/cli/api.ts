import { apiTokenCommand } from './api-tokens.js';
import type { CommandSpec } from './command-table.js';

/**
 * `fleetflow api ...`: the change-management API. A group, so that serving it can join as
 * another subcommand (or as the group's own action) beside `token`.
 */
export const apiCommand: CommandSpec = {
  name: 'api',
  summary: 'the change-management API: its static tokens',
  details: 'Listen address: api.address of the config file, overridden by FLEETFLOW_API_ADDRESS (default 127.0.0.1:8080).',
  subcommands: [apiTokenCommand],
};
