import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { repoDir } from '../../src/host/toolchain.js';
import { startTemporalCluster, type TemporalClusterHandle } from '../helpers/temporal-cluster.js';

let cluster: TemporalClusterHandle;
let dataDir: string;
const taskQueue = `tls-${randomUUID()}`;
const workers = new Set<ChildProcess>();

beforeAll(async () => {
  cluster = await startTemporalCluster({ tls: true });
  console.log(`PostgreSQL-backed Temporal cluster with frontend mTLS started in ${cluster.startupMs} ms`);
  dataDir = mkdtempSync(join(tmpdir(), 'fleetflow-tls-data-'));
}, 240_000);

afterAll(async () => {
  for (const w of workers) w.kill('SIGKILL');
  await cluster?.stop();
  rmSync(dataDir, { recursive: true, force: true });
}, 60_000);

/** The environment of a worker or the CLI: the cluster, with the given TEMPORAL_TLS_* variables. */
function envWith(tls: Record<string, string>): NodeJS.ProcessEnv {
  const { FLEETFLOW_CONFIG: _own, TEMPORAL_TLS_CLIENT_CERT_PATH: _c, TEMPORAL_TLS_CLIENT_KEY_PATH: _k, TEMPORAL_API_KEY: _a, ...rest } = process.env;
  return { ...rest, ...tls, TEMPORAL_ADDRESS: cluster.address, TEMPORAL_NAMESPACE: cluster.namespace, FLEETFLOW_TASK_QUEUE: taskQueue, FLEETFLOW_DATA: dataDir, FLEETFLOW_METRICS_ADDRESS: 'off' };
}

/** Runs the fleetflow CLI; resolves with its exit code and output. */
function ff(env: NodeJS.ProcessEnv, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(repoDir, 'src/cli/bin.mjs'), ...args], { env, timeout: 120_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: unknown }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** Starts workers/main.ts; resolves once it logs that it runs, or rejects with its output if it exits first. */
function startWorker(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoDir, 'workers', 'main.ts')], { cwd: repoDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  workers.add(child);
  let out = '';
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.includes('fleetflow worker: namespace')) resolve({ child, output: () => out });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      workers.delete(child);
      reject(Object.assign(new Error(`worker exited with ${code}`), { output: out, code }));
    });
  });
}

it('runs a workflow with the worker and the CLI connecting by client certificate, and the cluster indexes its search attributes', async () => {
  const env = envWith(cluster.tls!.env);
  const worker = await startWorker(env);
  const spec = join(dataDir, 'tls-a.yaml');
  writeFileSync(spec, 'name: tls-a\nprovider: local\nenvironment: staging\nlabels: {team: tls}\n');
  const registered = await ff(env, 'clusters', 'register', '-f', spec);
  expect(registered).toMatchObject({ code: 0, stdout: expect.stringContaining('cluster tls-a registered (phase ') });
  // SQL advanced visibility answers a query on Fleetflow's custom search attributes (written asynchronously by the history service).
  const listed = async () => {
    const r = await ff(env, 'clusters', 'list', '--selector', 'team=tls,env=staging', '-o', 'json');
    return r.code === 0 ? (JSON.parse(r.stdout) as { name: string }[]).map((c) => c.name) : r.stderr;
  };
  await expect.poll(listed, { timeout: 30_000, interval: 500 }).toEqual(['tls-a']);
  // setup over mTLS: the helper already set the namespace up, so nothing changes.
  expect((await ff(env, 'setup')).stdout).toContain('nothing changed');
  worker.child.kill('SIGTERM');
}, 180_000);

it('refuses the CLI and the worker without a client certificate, saying the TLS handshake failed', async () => {
  const { TEMPORAL_TLS_CLIENT_CERT_PATH: _c, TEMPORAL_TLS_CLIENT_KEY_PATH: _k, ...serverOnly } = cluster.tls!.env;
  const env = envWith(serverOnly);
  const cli = await ff(env, 'clusters', 'list');
  expect(cli.code).toBe(1);
  expect(cli.stderr).toContain(`cannot reach Temporal at ${cluster.address}: the TLS handshake failed`);
  expect(cli.stderr).toContain('the server requires a client certificate');
  expect(cli.stderr).toContain('TEMPORAL_TLS_CLIENT_CERT_PATH');
  const refused = await startWorker(env).then(
    () => undefined,
    (e: { output: string; code: number }) => e,
  );
  expect(refused?.code).toBe(1);
  expect(refused?.output).toContain(`fleetflow worker: cannot connect to Temporal at ${cluster.address}: the TLS handshake failed`);
  expect(refused?.output).toContain('the server requires a client certificate');
}, 120_000);
