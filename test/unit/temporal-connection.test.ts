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
