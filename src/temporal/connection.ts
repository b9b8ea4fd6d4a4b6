import { Client, Connection } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { FleetflowConfig } from '../config.js';
import { clientTracingInterceptors } from '../telemetry/client-tracing.js';
import { fleetflowDataConverter } from './codec/data-converter.js';

/**
 * Connection settings from the standard TEMPORAL_* variables and envconfig profiles (address,
 * namespace, TLS, API key), so the same code talks to the dev server and to a production
 * cluster. The namespace is TEMPORAL_NAMESPACE, else the profile's (TEMPORAL_PROFILE, or the
 * config file's default profile), else Fleetflow's default: a profile names an address and a
 * namespace together, and one without the other would point at the wrong place.
 */
export function temporalConnectConfig(config: FleetflowConfig, env: NodeJS.ProcessEnv = process.env) {
  const { connectionOptions, namespace } = loadClientConnectConfig({ overrideEnvVars: env as Record<string, string> });
  return {
    connectionOptions: { ...connectionOptions, address: connectionOptions.address ?? '127.0.0.1:7233' },
    namespace: namespace ?? config.namespace,
  };
}

/**
 * A client for the connection settings of `env` (the process's by default), encrypting with
 * the config's keys (see codec/data-converter.ts). The keys are read before connecting, so a
 * missing key fails fast.
 */
export async function connectClient(config: FleetflowConfig, env: NodeJS.ProcessEnv = process.env): Promise<Client> {
  const { connectionOptions, namespace } = temporalConnectConfig(config, env);
  const dataConverter = fleetflowDataConverter(config);
  const connection = await Connection.connect(connectionOptions);
  return new Client({ connection, namespace, dataConverter, ...clientTracingInterceptors(env) });
}
