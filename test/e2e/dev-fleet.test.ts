import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePorts } from '../../src/providers/local/ports.js';
import { repoDir, Toolchain } from '../../src/host/toolchain.js';
import { launchBrowser } from '../helpers/browser.js';

const exec = promisify(execFile);
let env: NodeJS.ProcessEnv;
let dataDir: string;
let uiPort: number;
let apiPort: number;

/** Runs the fleetflow CLI as a user would; returns stdout, or throws with the exit code and stderr. */
const ff = async (...args: string[]) =>
  (await exec(process.execPath, [join(repoDir, 'src/cli/bin.mjs'), ...args], { env, timeout: 240_000 })).stdout;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'fleetflow-e2e-'));
  const [grpc, ui, api] = await freePorts(3);
  uiPort = ui!;
  apiPort = api!;
  const { FLEETFLOW_CONFIG: _ownConfig, ...rest } = process.env;
  env = { ...rest, FLEETFLOW_DATA: dataDir, TEMPORAL_ADDRESS: `127.0.0.1:${grpc}`, FLEETFLOW_UI_PORT: String(ui), FLEETFLOW_API_ADDRESS: `127.0.0.1:${api}` };
});

afterAll(async () => {
  await ff('dev', 'down').catch(() => undefined);
  rmSync(dataDir, { recursive: true, force: true });
});

it('brings up the dev system, provisions a cluster kubectl can read and the UI lists, and survives dev down/up', async () => {
  const up = await ff('dev', 'up');
  expect(up).toContain(`ui         http://127.0.0.1:${uiPort}/namespaces/fleetflow/workflows`);
  // The API beside the worker, with the local admin token dev up made (no FLEETFLOW_CONFIG here).
  expect(up).toContain(`api        started on http://127.0.0.1:${apiPort}`);
  const token = readFileSync(join(dataDir, 'api', 'dev-admin.token'), 'utf8').trim();
  const clusters = await fetch(`http://127.0.0.1:${apiPort}/v1/clusters`, { headers: { authorization: `Bearer ${token}` } });
  expect(clusters.status).toBe(200);
  // Starting twice reuses what runs.
  expect(await ff('dev', 'up')).toMatch(/temporal\s+already running[\s\S]*worker\s+already running/);

  const spec = join(dataDir, 'e2e.yaml');
  writeFileSync(spec, 'name: e2e-a\nprovider: local\nenvironment: prod\nprotected: true\nlabels: {team: e2e}\n');
  expect(await ff('clusters', 'provision', '-f', spec)).toContain('provisionCluster e2e-a: done');
  expect(JSON.parse(await ff('clusters', 'list', '--selector', 'team=e2e', '-o', 'json'))).toMatchObject([
    { name: 'e2e-a', phase: 'Active', provider: 'local', version: '1.35.4', labels: { team: 'e2e' } },
  ]);

  // The kubeconfig Fleetflow prints works with kubectl.
  const kubeconfig = join(dataDir, 'e2e-a.kubeconfig');
  writeFileSync(kubeconfig, await ff('clusters', 'kubeconfig', 'e2e-a'));
  const { stdout } = await exec(new Toolchain().kubectl(), ['--kubeconfig', kubeconfig, 'get', 'configmap', 'cluster-info', '-n', 'fleetflow-system', '-o', 'json']);
  expect(JSON.parse(stdout).data).toMatchObject({ name: 'e2e-a', environment: 'prod' });
  // A whole cluster: its default pool's two nodes, Ready, at its version.
  const nodes = await exec(new Toolchain().kubectl(), ['--kubeconfig', kubeconfig, 'get', 'nodes', '--no-headers']);
  expect(nodes.stdout.trim().split('\n').map((l) => l.split(/\s+/).filter((_, i) => i !== 3))).toEqual([
    ['e2e-a-default-0', 'Ready', '<none>', 'v1.35.4'],
    ['e2e-a-default-1', 'Ready', '<none>', 'v1.35.4'],
  ]);

  // The Temporal UI lists the cluster entity.
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage();
    const query = encodeURIComponent("WorkflowType = 'clusterEntity' AND FleetEnvironment = 'prod'");
    await page.goto(`http://127.0.0.1:${uiPort}/namespaces/fleetflow/workflows?query=${query}`);
    await page.getByText('cluster/e2e-a').first().waitFor({ timeout: 60_000 });
    if (process.env.FLEETFLOW_SCREENSHOT) await page.screenshot({ path: process.env.FLEETFLOW_SCREENSHOT });
  } finally {
    await browser.close();
  }

  // dev down stops everything; dev up brings it back with the inventory (SQLite) and the cluster.
  expect(await ff('dev', 'down')).toMatch(/api\s+stopped[\s\S]*worker\s+stopped[\s\S]*1 local cluster\(s\) stopped[\s\S]*temporal\s+stopped/);
  await expect(ff('clusters', 'list')).rejects.toMatchObject({ stderr: expect.stringContaining('cannot reach Temporal') });
  expect(await ff('dev', 'up')).toContain('cluster    e2e-a: started etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok');
  expect(await ff('clusters', 'get', 'e2e-a')).toMatch(/phase:\s+Active/);

  // A protected cluster: a user mistake is one line and exit code 2; a refusal exits 1.
  await expect(ff('clusters', 'decommission', 'e2e-a', '--force')).rejects.toMatchObject({
    code: 2,
    stderr: 'error: clusters decommission: --force needs --reason TEXT\n',
  });
  await expect(ff('clusters', 'decommission', 'e2e-a')).rejects.toMatchObject({
    code: 1,
    stderr: expect.stringContaining('cluster e2e-a is protected: decommission it with force and a reason'),
  });
  expect(await ff('clusters', 'decommission', 'e2e-a', '--force', '--reason', 'end of e2e test')).toContain('done');
  expect(JSON.parse(await ff('clusters', 'list', '-o', 'json'))).toEqual([]);
});
