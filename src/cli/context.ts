import type { Client } from '@temporalio/client';
import { loadConfig, type FleetflowConfig } from '../config.js';
import { connectClient, temporalConnectConfig } from '../temporal/connection.js';
import { CommandError } from './errors.js';

/** What every command needs: configuration, and a Temporal client made on first use. */
export class CliContext {
  private loaded?: FleetflowConfig;
  private client?: Client;

  /**
   * Read on first use, so commands that need no configuration (help, completion, `api token
   * create` making the config file FLEETFLOW_CONFIG names) run even when it is missing or bad.
   */
  get config(): FleetflowConfig {
    return (this.loaded ??= loadConfig());
  }

  set config(config: FleetflowConfig) {
    this.loaded = config;
  }

  constructor(readonly out: (line: string) => void = (l) => process.stdout.write(`${l}\n`)) {}

  async temporal(): Promise<Client> {
    if (this.client) return this.client;
    const address = temporalConnectConfig(this.config).connectionOptions.address;
    try {
      this.client = await connectClient(this.config);
      await this.client.connection.workflowService.getSystemInfo({});
      return this.client;
    } catch {
      throw new CommandError(`cannot reach Temporal at ${address}: start it with \`npx fleetflow dev up\` or set TEMPORAL_ADDRESS`);
    }
  }

  async close(): Promise<void> {
    await this.client?.connection.close();
  }
}
