import type { Client } from '@temporalio/client';
import { loadConfig, type FleetflowConfig } from '../config.js';
import { connectClient, explainConnectFailure, temporalConnectConfig } from '../temporal/connection.js';
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
    const { connectionOptions } = temporalConnectConfig(this.config);
    const address = connectionOptions.address;
    try {
      this.client = await connectClient(this.config);
      await this.client.connection.workflowService.getSystemInfo({});
      return this.client;
    } catch (e) {
      const why = await explainConnectFailure(e, connectionOptions);
      // A server that answered but refused the credentials is running: do not tell the user to start one.
      const hint = /TLS handshake|refused the credentials/.test(why) ? '' : '; start it with `npx fleetflow dev up` or set TEMPORAL_ADDRESS';
      throw new CommandError(`cannot reach Temporal at ${address}: ${why}${hint}`);
    }
  }

  async close(): Promise<void> {
    await this.client?.connection.close();
  }
}

