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
    } catch (e) {
      throw new CommandError(`cannot reach Temporal at ${address}: ${connectFailure(e)}`);
    }
  }

  async close(): Promise<void> {
    await this.client?.connection.close();
  }
}

/**
 * Why connecting failed, in words a user can act on. gRPC's message names the TLS handshake or
 * the refused connection; it never holds the certificate, key or API key themselves.
 */
function connectFailure(e: unknown): string {
  const message = (e instanceof Error ? e.message : String(e)).split('\n')[0]!;
  if (/certificate|handshake|tls|ssl|alert/i.test(message)) {
    return `the TLS handshake failed (${message}); check TEMPORAL_TLS_CLIENT_CERT_PATH, TEMPORAL_TLS_CLIENT_KEY_PATH, TEMPORAL_TLS_SERVER_CA_CERT_PATH and TEMPORAL_TLS_SERVER_NAME`;
  }
  if (/unauthenticated|permission|api key|authorization/i.test(message)) return `the server refused the credentials (${message}); check TEMPORAL_API_KEY or the client certificate`;
  return `${message}; start it with \`npx fleetflow dev up\` or set TEMPORAL_ADDRESS`;
}
