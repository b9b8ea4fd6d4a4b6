import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_API_ADDRESS, parseAddress } from '../api/server.js';

/**
 * The API that `fleetflow dev up` runs: where it listens, and which config it reads. Without
 * FLEETFLOW_CONFIG a local-only config is made once in the data folder (git-ignored) with one
 * admin API token, so the demo's curl examples work; the token is kept beside it (mode 0600)
 * for `dev up` to point at, and only its hash is in the config. Delete both files for a new one.
 */

/** What the dev API runs with. */
export interface DevApiSetup {
  /** The config file the API reads (FLEETFLOW_CONFIG). */
  configFile: string;
  /** The file holding the dev admin token, when dev up made the config. */
  tokenFile?: string;
  /** http://127.0.0.1:8080 */
  url: string;
}

/** The URL the dev API answers on (a wildcard address is reached on loopback). */
export function devApiUrl(env: NodeJS.ProcessEnv): string {
  const { host, port } = parseAddress(env.FLEETFLOW_API_ADDRESS ?? DEFAULT_API_ADDRESS);
  const reach = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') ? `[${host}]` : host;
  return `http://${reach}:${port}`;
}

/** The config the dev API reads: FLEETFLOW_CONFIG, else the data folder's own (made on first use). */
export function ensureDevApiConfig(dataDir: string, env: NodeJS.ProcessEnv): DevApiSetup {
  const url = devApiUrl(env);
  if (env.FLEETFLOW_CONFIG) return { configFile: env.FLEETFLOW_CONFIG, url };
  const dir = join(dataDir, 'api');
  const configFile = join(dir, 'dev-config.yaml');
  const tokenFile = join(dir, 'dev-admin.token');
  if (existsSync(configFile) && existsSync(tokenFile) && readFileSync(tokenFile, 'utf8').trim()) return { configFile, tokenFile, url };
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const token = `ffat_${randomBytes(32).toString('base64url')}`;
  const hash = `sha256:${createHash('sha256').update(token, 'utf8').digest('hex')}`;
  writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
  writeFileSync(
    configFile,
    [
      '# Made by `fleetflow dev up` for the local API only, because FLEETFLOW_CONFIG was not set.',
      '# The admin token is in dev-admin.token beside this file; delete both files for a new one.',
      'access:',
      '  bindings:',
      '    - { role: admin, tokens: [dev-admin] }',
      '  tokens:',
      `    - { name: dev-admin, hash: "${hash}", description: "local dev API (fleetflow dev up)" }`,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  return { configFile, tokenFile, url };
}
