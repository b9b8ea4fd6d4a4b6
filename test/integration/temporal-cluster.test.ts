import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { repoDir } from '../../src/host/toolchain.js';
import { ALL_SEARCH_ATTRIBUTES } from '../../src/temporal/search-attributes.js';

const exec = promisify(execFile);
let dataDir: string;
let env: NodeJS.ProcessEnv;

/** The fleetflow CLI as temporal-dev/cluster runs it (`dev cluster up|down|status`), on this test's data folder. */
const ff = async (...args: string[]) => (await exec(process.execPath, [join(repoDir, 'src/cli/bin.mjs'), ...args], { env, timeout: 240_000 })).stdout;

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'fleetflow-tcluster-cli-'));
  // PostgreSQL refuses to run as root and drops to an unprivileged account, which must enter this folder.
  chmodSync(dataDir, 0o755);
  const { FLEETFLOW_CONFIG: _own, TEMPORAL_ADDRESS: _a, ...rest } = process.env;
  env = { ...rest, FLEETFLOW_DATA: dataDir };
});

afterAll(async () => {
  await ff('dev', 'cluster', 'down').catch(() => undefined);
  rmSync(dataDir, { recursive: true, force: true });
}, 60_000);

it('starts a PostgreSQL-backed cluster with the namespace set up, keeps its data across down and up, and setup is idempotent', async () => {
  const t0 = Date.now();
  const up = await ff('dev', 'cluster', 'up');
  console.log(`temporal-dev/cluster up (fresh PostgreSQL, schemas, server, setup): ${Date.now() - t0} ms\n${up}`);
  const address = /export TEMPORAL_ADDRESS=(127\.0\.0\.1:\d+)/.exec(up)?.[1];
  expect(address).toBeDefined();
  expect(up).toContain('namespace          fleetflow: created, retention 30 days');
  expect(up).toContain(`added ${ALL_SEARCH_ATTRIBUTES.map((k) => k.name).join(', ')}`);
  env = { ...env, TEMPORAL_ADDRESS: address };
  expect(await ff('dev', 'cluster', 'status')).toMatch(/postgres\s+running[\s\S]*temporal\s+running \(pid \d+\), answering on/);

  // setup against the cluster: a second run changes nothing; a retention change is reported.
  expect(await ff('setup')).toContain(`all ${ALL_SEARCH_ATTRIBUTES.length} present\nnothing changed`);
  expect(await ff('setup', '--retention', '7')).toContain('retention 30 -> 7 days');

  expect(await ff('dev', 'cluster', 'down')).toMatch(/temporal\s+stopped\npostgres\s+stopped/);
  expect(await ff('dev', 'cluster', 'status')).toMatch(/postgres\s+not running\ntemporal\s+not running/);
  // The data is kept: the same address, the namespace and its retention are still there.
  const again = await ff('dev', 'cluster', 'up');
  expect(again).toContain(`export TEMPORAL_ADDRESS=${address}`);
  expect(again).toContain('namespace          fleetflow: exists, retention 7 days');
}, 400_000);
