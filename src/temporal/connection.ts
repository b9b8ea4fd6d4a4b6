import { isIP } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
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

type TlsOption = boolean | { serverNameOverride?: string; serverRootCACertificate?: Uint8Array; clientCertPair?: { crt: Uint8Array; key: Uint8Array } } | null | undefined;

/**
 * What the server says to a bare TLS handshake made with the connection's settings, or
 * undefined when it completes. gRPC reports a refused client certificate only as a connect
 * timeout; the handshake itself names the cause (e.g. "tlsv13 alert certificate required",
 * "unable to verify the first certificate").
 */
export function tlsHandshakeError(address: string, tls: TlsOption, timeoutMs = 5_000): Promise<string | undefined> {
  if (!tls) return Promise.resolve(undefined);
  const opts = tls === true ? {} : tls;
  const m = /^(.*):(\d+)$/.exec(address);
  if (!m) return Promise.resolve(undefined);
  const host = m[1]!.replace(/^\[|\]$/g, '');
  const servername = opts.serverNameOverride ?? (isIP(host) ? undefined : host);
  return new Promise((resolve) => {
    const socket = tlsConnect({
      host,
      port: Number(m[2]),
      ...(servername ? { servername } : {}),
      ...(opts.serverRootCACertificate ? { ca: Buffer.from(opts.serverRootCACertificate) } : {}),
      ...(opts.clientCertPair ? { cert: Buffer.from(opts.clientCertPair.crt), key: Buffer.from(opts.clientCertPair.key) } : {}),
      ALPNProtocols: ['h2'],
    });
    let settled = false;
    const done = (why: string | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(why);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    // OpenSSL's errors carry a short reason ("tlsv13 alert certificate required") beside a long message.
    socket.on('error', (e) => done((e as { reason?: string }).reason ?? e.message));
    // With TLS 1.3 the server judges the client's certificate after the client's handshake ends: read its answer.
    socket.once('secureConnect', () => {
      socket.resume();
      setTimeout(() => done(undefined), 1_000);
    });
  });
}

/** connectFailure, after asking the TLS handshake why when TLS is on (see tlsHandshakeError). */
export async function explainConnectFailure(e: unknown, options: { address: string; tls?: TlsOption }): Promise<string> {
  const handshake = await tlsHandshakeError(options.address, options.tls).catch(() => undefined);
  if (handshake) {
    const hint = /certificate required/.test(handshake) ? ': the server requires a client certificate' : '';
    return connectFailure(new Error(`TLS handshake: ${handshake}${hint}`));
  }
  return connectFailure(e);
}
