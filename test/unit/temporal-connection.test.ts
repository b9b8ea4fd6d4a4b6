import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { temporalConnectConfig } from '../../src/temporal/connection.js';

const dir = mkdtempSync(join(tmpdir(), 'fleetflow-envconfig-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const file = join(dir, 'temporal.toml');
writeFileSync(
  file,
  ['[profile.default]', 'address = "127.0.0.1:7233"', '', '[profile.prod]', 'address = "temporal.prod.example.com:7233"', 'namespace = "fleet-prod"', ''].join('\n'),
);

/** What a worker or the CLI connects to, given only these variables (and the TOML file). */
function connectsTo(vars: Record<string, string>) {
  const env = { TEMPORAL_CONFIG_FILE: file, ...vars };
  const { connectionOptions, namespace } = temporalConnectConfig(loadConfig(env), env);
  return { address: connectionOptions.address, namespace };
}

describe('the Temporal connection', () => {
  it.each([
    // The profile names the address and the namespace together.
    ['TEMPORAL_PROFILE alone', { TEMPORAL_PROFILE: 'prod' }, 'temporal.prod.example.com:7233', 'fleet-prod'],
    // An explicit variable wins over the profile.
    ['TEMPORAL_PROFILE and TEMPORAL_NAMESPACE', { TEMPORAL_PROFILE: 'prod', TEMPORAL_NAMESPACE: 'fleet-canary' }, 'temporal.prod.example.com:7233', 'fleet-canary'],
    // A profile without a namespace keeps Fleetflow's default.
    ['the default profile, which names no namespace', {}, '127.0.0.1:7233', 'fleetflow'],
    ['TEMPORAL_NAMESPACE alone', { TEMPORAL_NAMESPACE: 'team-a' }, '127.0.0.1:7233', 'team-a'],
  ])('with %s uses %s, namespace %s', (_what, vars, address, namespace) => {
    expect(connectsTo(vars)).toEqual({ address, namespace });
  });
});

describe('the Temporal connection with credentials', () => {
  const optionsFor = (vars: Record<string, string>) => {
    const env = { TEMPORAL_CONFIG_FILE: file, ...vars };
    return temporalConnectConfig(loadConfig(env), env).connectionOptions;
  };

  it('sends TEMPORAL_API_KEY as the API key, over TLS', () => {
    const options = optionsFor({ TEMPORAL_ADDRESS: 'fleet.acct.tmprl.cloud:7233', TEMPORAL_API_KEY: 'test-api-key' });
    expect(options.apiKey).toBe('test-api-key');
    expect(options.tls).toBeTruthy();
  });

  it('reads the client certificate, its key and the server CA from the TEMPORAL_TLS_* paths', () => {
    writeFileSync(join(dir, 'client.pem'), 'CLIENT CERT');
    writeFileSync(join(dir, 'client-key.pem'), 'CLIENT KEY');
    writeFileSync(join(dir, 'ca.pem'), 'SERVER CA');
    const options = optionsFor({
      TEMPORAL_TLS_CLIENT_CERT_PATH: join(dir, 'client.pem'),
      TEMPORAL_TLS_CLIENT_KEY_PATH: join(dir, 'client-key.pem'),
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: join(dir, 'ca.pem'),
      TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
    });
    const tls = options.tls as { serverNameOverride?: string; serverRootCACertificate?: Uint8Array; clientCertPair?: { crt: Uint8Array; key: Uint8Array } };
    expect(tls.serverNameOverride).toBe('temporal.internal');
    expect(Buffer.from(tls.serverRootCACertificate!).toString()).toBe('SERVER CA');
    expect(Buffer.from(tls.clientCertPair!.crt).toString()).toBe('CLIENT CERT');
    expect(Buffer.from(tls.clientCertPair!.key).toString()).toBe('CLIENT KEY');
  });
});
