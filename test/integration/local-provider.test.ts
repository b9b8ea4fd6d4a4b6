import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FleetflowError } from '../../src/errors.js';
import type { BundleManifest } from '../../src/domain/bundle/bundle.js';
import { applyBundle } from '../../src/kube/apply.js';
import { apiServerHealth, serverVersion } from '../../src/kube/health.js';
import { readObject } from '../../src/kube/read.js';
import { LocalProvider } from '../../src/providers/local/index.js';
import { repoDir, Toolchain } from '../../src/host/toolchain.js';

const run = promisify(execFile);
const toolchain = new Toolchain();
const VERSION = toolchain.defaultKubeVersion;
const dataDir = mkdtempSync(join(tmpdir(), 'fleetflow-local-provider-'));
const provider = new LocalProvider({ dataDir, toolchain });
const ref = (name: string) => ({ name, region: 'local' });

/** Live (non-zombie) processes whose command line names `dir`: what "no second control plane" means. */
async function processesOf(dir: string): Promise<{ pid: number; cmd: string }[]> {
  const found: { pid: number; cmd: string }[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(`${dir}/`)) found.push({ pid: Number(entry), cmd: cmdline.split('\0')[0]!.split('/').pop()! });
  }
  return found.sort((a, b) => a.cmd.localeCompare(b.cmd));
}

/** True while `pid` runs (a zombie, left when nobody reaps an orphan, does not count). */
async function running(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return stat !== '' && stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
}

const bundle: BundleManifest[] = [
  // Deliberately out of order: the Namespace must still be applied before the ConfigMap.
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'team-a' }, data: { tier: 'gold' } },
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } },
  {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: 'settings-reader' },
    rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] }],
  },
];

/**
 * Runs `create` for `name` in a separate Node process and SIGKILLs that process as soon as
 * create returns: the control plane must outlive the "worker" that started it.
 */
async function createInDoomedProcess(name: string): Promise<string> {
  const script = join(dataDir, `create-${name}.mts`);
  writeFileSync(
    script,
    `import { LocalProvider } from ${JSON.stringify(join(repoDir, 'src/providers/local/index.ts'))};
const c = await new LocalProvider({ dataDir: ${JSON.stringify(dataDir)} }).create({ name: ${JSON.stringify(name)}, region: 'local', labels: {}, idempotencyKey: 'test/${name}' });
process.stdout.write(JSON.stringify(c) + '\\n');
setInterval(() => {}, 1000); // stay alive until killed, like a worker
`,
  );
  const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: repoDir, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) resolve(out.split('\n')[0]!);
      });
      child.once('exit', (code) => reject(new Error(`create process exited with ${code} before answering`)));
    });
    return (JSON.parse(line) as { providerId: string }).providerId;
  } finally {
    child.kill('SIGKILL');
  }
}

beforeAll(() => {
  // Fail with the fix, not with a spawn error, when the toolchain is not built.
  expect([toolchain.etcd, toolchain.kubeApiserver(VERSION), toolchain.kubeControllerManager(VERSION), toolchain.kubeScheduler(VERSION), toolchain.kwok, toolchain.kubectl(VERSION)]).toHaveLength(6);
});

afterAll(async () => {
  for (const c of await provider.list()) await provider.delete(ref(c.name));
  rmSync(dataDir, { recursive: true, force: true });
});

describe('LocalProvider', () => {
  const ids: Record<string, string> = {};

  it('runs two clusters side by side, each Running with the real version from /version', async () => {
    const started = Date.now();
    // "east" is created by a process that is SIGKILLed right after; "west" by this one.
    const [eastId, west] = await Promise.all([
      createInDoomedProcess('east'),
      provider.create({ name: 'west', region: 'local', labels: { env: 'dev' }, idempotencyKey: 'test/west' }),
    ]);
    // The API server answers when create returns; its nodes may still be registering.
    expect(['Creating', 'Running']).toContain(west.status);
    expect(Date.now() - started).toBeLessThan(30_000); // create waits for the API server, not for the nodes
    ids.east = eastId;
    ids.west = west.providerId!;

    const [east, westRunning] = await Promise.all([provider.waitUntilRunning(ref('east')), provider.waitUntilRunning(ref('west'))]);
    console.log(`two clusters Running after ${Date.now() - started} ms`);
    for (const c of [east, westRunning]) {
      expect(c).toMatchObject({ status: 'Running', version: VERSION });
      expect(c.endpoint).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    }
    expect(east.endpoint).not.toBe(westRunning.endpoint);
    expect(east.providerId).toBe(ids.east);
    expect(await serverVersion(await provider.credentials(ref('east')))).toBe(VERSION);
    const health = await apiServerHealth(await provider.credentials(ref('west')));
    expect(health).toMatchObject({ ready: true, version: VERSION });
    expect(health.checks).toContain('readyz check passed');
  });

  it('applies a bundle namespace-first and reports every object unchanged on the second apply', async () => {
    const creds = await provider.credentials(ref('west'));
    const opts = { fieldManager: 'fleetflow-test' };
    const baseline = (manifests: BundleManifest[]) => ({ name: 'team-a-baseline', revision: 'unversioned', manifests, options: { prune: false } });
    expect(await applyBundle(creds, baseline(bundle), opts)).toEqual([
      { kind: 'Namespace', name: 'team-a', action: 'created' },
      { kind: 'ConfigMap', namespace: 'team-a', name: 'settings', action: 'created' },
      { kind: 'ClusterRole', name: 'settings-reader', action: 'created' },
    ]);
    const again = await applyBundle(creds, baseline(bundle), opts);
    expect(again.map((o) => o.action)).toEqual(['unchanged', 'unchanged', 'unchanged']);

    const changed = structuredClone(bundle);
    (changed[0]!.data as Record<string, string>).tier = 'silver';
    expect((await applyBundle(creds, baseline(changed), opts)).map((o) => o.action)).toEqual(['unchanged', 'configured', 'unchanged']);

    const cm = await readObject(creds, { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'team-a', name: 'settings' });
    expect(cm).toMatchObject({
      data: { tier: 'silver' },
      metadata: { labels: { 'app.kubernetes.io/managed-by': 'fleetflow', 'fleetflow.io/bundle': 'team-a-baseline' } },
    });
    expect(await readObject(creds, { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'team-a', name: 'absent' })).toBeUndefined();
    // The other cluster is untouched: they share nothing.
    const eastCreds = await provider.credentials(ref('east'));
    expect(await readObject(eastCreds, { apiVersion: 'v1', kind: 'Namespace', name: 'team-a' })).toBeUndefined();
  });

  it('writes a kubeconfig that kubectl can use', async () => {
    const kubeconfig = provider.kubeconfigPath('west');
    const { stdout } = await run(toolchain.kubectl(VERSION), ['--kubeconfig', kubeconfig, 'get', 'ns', '-o', 'name']);
    expect(stdout.split('\n')).toEqual(expect.arrayContaining(['namespace/default', 'namespace/team-a']));
    const who = await run(toolchain.kubectl(VERSION), ['--kubeconfig', kubeconfig, 'auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}']);
    expect(who.stdout).toBe('fleetflow-admin');
  });

  it('lets a new provider instance find the running clusters and reuse them on create', async () => {
    const fresh = new LocalProvider({ dataDir, toolchain });
    const before = await processesOf(join(dataDir, 'clusters', 'east'));
    expect(before.map((p) => p.cmd)).toEqual(['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok']);

    expect(await fresh.describe(ref('east'))).toMatchObject({ status: 'Running', providerId: ids.east });
    // Two attempts of the same create at once: one control plane, one answer.
    const [a, b] = await Promise.all([
      fresh.create({ name: 'east', region: 'local', labels: {}, idempotencyKey: 'test/east' }),
      new LocalProvider({ dataDir, toolchain }).create({ name: 'east', region: 'local', labels: {}, idempotencyKey: 'test/east' }),
    ]);
    expect(a).toMatchObject({ status: 'Running', providerId: ids.east });
    expect(b.providerId).toBe(ids.east);
    expect(await processesOf(join(dataDir, 'clusters', 'east'))).toEqual(before);
    expect((await fresh.list()).map((c) => [c.name, c.status])).toEqual([
      ['east', 'Running'],
      ['west', 'Running'],
    ]);
  });

  it('restarts a cluster whose API server died, on the same endpoint, keeping its data', async () => {
    const { apiserver } = await provider.processes(ref('west'));
    const endpoint = (await provider.describe(ref('west'))).endpoint;
    process.kill(apiserver!, 'SIGKILL');
    await expect.poll(async () => (await provider.describe(ref('west'))).status, { timeout: 10_000 }).toBe('Stopped');

    const restarted = await provider.create({ name: 'west', region: 'local', labels: {}, idempotencyKey: 'test/west' });
    expect(restarted).toMatchObject({ providerId: ids.west, endpoint });
    await provider.waitUntilRunning(ref('west'));
    const creds = await provider.credentials(ref('west'));
    expect(await readObject(creds, { apiVersion: 'v1', kind: 'Namespace', name: 'team-a' })).toBeDefined();
  });

  it('refuses a Kubernetes version that is not installed, naming the cluster and what is installed', async () => {
    const err = await provider
      .create({ name: 'old', region: 'local', kubernetesVersion: '1.20', labels: {}, idempotencyKey: 'test/old' })
      .then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(FleetflowError);
    expect(err).toMatchObject({ type: 'UnsupportedVersion', retryable: false });
    expect((err as Error).message).toContain('cluster old');
    expect((err as Error).message).toContain(VERSION);
    expect(existsSync(join(dataDir, 'clusters', 'old'))).toBe(false);
  });

  it('reports NotFound and ClusterNotFound for a cluster that does not exist', async () => {
    expect(await provider.describe(ref('nobody'))).toEqual({ name: 'nobody', status: 'NotFound' });
    await expect(provider.credentials(ref('nobody'))).rejects.toMatchObject({ type: 'ClusterNotFound' });
    expect(await provider.delete(ref('nobody'))).toEqual({ name: 'nobody', status: 'NotFound' });
  });

  it('deletes a cluster: processes gone, folder gone, and deleting again is fine', async () => {
    const dir = join(dataDir, 'clusters', 'east');
    const pids = (await processesOf(dir)).map((p) => p.pid);
    expect(pids).toHaveLength(5);
    expect(await provider.delete(ref('east'))).toEqual({ name: 'east', status: 'NotFound' });
    for (const pid of pids) expect(await running(pid)).toBe(false);
    expect(existsSync(dir)).toBe(false);
    expect(await provider.describe(ref('east'))).toMatchObject({ status: 'NotFound' });
    expect(await provider.delete(ref('east'))).toMatchObject({ status: 'NotFound' });
    expect((await provider.describe(ref('west'))).status).toBe('Running');
  });
});
