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

/**
 * Why connecting failed, in words a user can act on: a failed TLS handshake names the
 * TEMPORAL_TLS_* variables, a refused API key TEMPORAL_API_KEY. gRPC's message names the
 * handshake step; it never holds the certificate, the key or the API key themselves.
 */
export function connectFailure(e: unknown): string {
  const message = (e instanceof Error ? e.message : String(e)).split('\n')[0]!;
  if (/certificate|handshake|tls|ssl|alert/i.test(message)) {
    return `the TLS handshake failed (${message}); check TEMPORAL_TLS_CLIENT_CERT_PATH, TEMPORAL_TLS_CLIENT_KEY_PATH, TEMPORAL_TLS_SERVER_CA_CERT_PATH and TEMPORAL_TLS_SERVER_NAME`;
  }
  if (/unauthenticated|permission denied|api key|authorization/i.test(message)) return `the server refused the credentials (${message}); check TEMPORAL_API_KEY or the client certificate`;
  return message;
}
