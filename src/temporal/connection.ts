import { Client, Connection } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { FleetflowConfig } from '../config.js';

/**
 * Connection settings from the standard TEMPORAL_* variables and envconfig profiles (address,
 * TLS, API key), so the same code talks to the dev server and to a production cluster.
 */
export function temporalConnectConfig(config: FleetflowConfig) {
  const { connectionOptions, namespace } = loadClientConnectConfig();
  return {
    connectionOptions: { ...connectionOptions, address: connectionOptions.address ?? '127.0.0.1:7233' },
    namespace: process.env.TEMPORAL_NAMESPACE ? (namespace ?? config.namespace) : config.namespace,
  };
}

export async function connectClient(config: FleetflowConfig): Promise<Client> {
  const { connectionOptions, namespace } = temporalConnectConfig(config);
  const connection = await Connection.connect(connectionOptions);
  return new Client({ connection, namespace });
}
