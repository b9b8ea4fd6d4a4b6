import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoDir } from '../../src/host/toolchain.js';
import { freePorts } from '../../src/providers/local/ports.js';
import { parsePrometheusText, value } from '../../src/telemetry/prom-text.js';
import { buildDist } from '../helpers/dist-build.js';
import { parseDockerfile, type DockerStage } from '../helpers/dockerfile.js';
import { eventually, FleetTestEnv } from '../helpers/fleet-env.js';

// `npm run build` once for the file (into a temporary folder), then its output run with plain
// node, no tsx: the worker against a dev server, the CLI and the API; and the Dockerfile
// checked against what the build made (no Docker here, so the image itself is not built).
let fleet: FleetTestEnv;
let out: string;
const children = new Set<ChildProcess>();
beforeAll(async () => {
  const [env, build] = await Promise.all([FleetTestEnv.create(), buildDist()]);
  fleet = env;
  out = build.out;
});
afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await fleet?.teardown();
  if (out) rmSync(out, { recursive: true, force: true });
});

/** Starts a built entry with plain node (no --import tsx), output collected for assertions. */
function startBuilt(entry: string, env: NodeJS.ProcessEnv): { child: ChildProcess; output: () => string; whileRunning: <T>(p: Promise<T>) => Promise<T> } {
  let text = '';
  const child = spawn(process.execPath, [join(out, entry)], { cwd: repoDir, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d) => (text += d));
  child.stderr!.on('data', (d) => (text += d));
  children.add(child);
  const exited = new Promise<never>((_, reject) => child.on('exit', (code) => reject(new Error(`${entry} exited (${code}):\n${text.slice(-3000)}`))));
  exited.catch(() => undefined);
  child.on('exit', () => children.delete(child));
  // Fails as soon as the process dies instead of waiting out the test's timeout.
  return { child, output: () => text, whileRunning: (p) => Promise.race([p, exited]) };
}

describe('the built worker, CLI and API (dist/, plain node)', () => {
  it('the worker loads the prebuilt bundle, with the operation-counting interceptor in it, and runs a fleet rollout', async () => {
    const taskQueue = fleet.newTaskQueue();
    const [port] = await freePorts(1);
    const worker = startBuilt('workers/main.js', {
      ...fleet.cliEnv(taskQueue),
      FLEETFLOW_METRICS_ADDRESS: `127.0.0.1:${port}`,
    });
    const result = await worker.whileRunning(fleet.client.workflow.execute('fleetRollout', {
      workflowId: `rollout/built-${taskQueue}`,
      taskQueue,
      args: [{ selector: { matchLabels: { app: 'nothing-matches' } }, plan: { stages: [{ name: 'all', maxFailures: 0 }] }, bundle: { name: 'cfg', revision: 'v1', manifests: [] } }],
    }));
    expect(result).toMatchObject({ outcome: 'Succeeded', applied: [] });
    expect(worker.output()).toContain('prebuilt bundle');
    expect(worker.output()).not.toContain('bundled from sources');
    // The counter runs inside the workflow sandbox: it counts only if the build bundled it.
    const scrape = async () => parsePrometheusText(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text());
    await worker.whileRunning(eventually(scrape, (s) => value(s, 'fleetflow_operations_finished_total', { type: 'fleetRollout', outcome: 'succeeded' }) === 1, 15_000));
    worker.child.kill('SIGTERM');
    const [code] = await once(worker.child, 'exit');
    expect(code).toBe(0);
  });

  it('the CLI runs from dist/ and reads the inventory', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [join(out, 'src/cli/bin.mjs'), 'clusters', 'list', '-o', 'json'], { cwd: repoDir, env: fleet.cliEnv('unused') });
    expect(JSON.parse(stdout)).toEqual([]);
  });

  it('the API server runs from dist/ and serves its OpenAPI document', async () => {
    const [port] = await freePorts(1);
    const api = startBuilt('src/api/main.js', { ...fleet.cliEnv('unused'), FLEETFLOW_API_ADDRESS: `127.0.0.1:${port}` });
    const res = await api.whileRunning(eventually(() => fetch(`http://127.0.0.1:${port}/openapi.json`).catch(() => undefined), (r) => r?.ok === true, 30_000));
    expect((await res!.json()) as { openapi: string }).toMatchObject({ openapi: expect.stringMatching(/^3\.1/) });
    api.child.kill('SIGTERM');
    await once(api.child, 'exit');
  });
});

describe('deploy/docker/Dockerfile (checked statically: no Docker on this machine)', () => {
  const dockerfile = parseDockerfile(readFileSync(join(repoDir, 'deploy/docker/Dockerfile'), 'utf8'));
  const stage = (name: string) => dockerfile.stages.find((s) => s.name === name)!;
  const runtime = dockerfile.stages.at(-1)!;
  const ofKind = (s: DockerStage, keyword: string) => s.instructions.filter((i) => i.keyword === keyword);

  it('is multi-stage on node:24-slim: a build stage, a production-dependencies stage and the runtime', () => {
    expect(dockerfile.stages.map((s) => [s.name, s.from])).toEqual([
      ['build', 'node:24-slim'],
      ['deps', 'node:24-slim'],
      ['runtime', 'node:24-slim'],
    ]);
    expect(ofKind(stage('build'), 'RUN').map((r) => r.text)).toContain('bash temporal-dev/build /app/dist');
    expect(ofKind(stage('deps'), 'RUN').map((r) => r.text).join(' ')).toMatch(/npm ci --omit=dev/);
  });

  it('the runtime gets node_modules only from the production-dependencies stage, and dist/ from the build', () => {
    const copies = ofKind(runtime, 'COPY');
    const modules = copies.filter((c) => c.args.some((a) => a.includes('node_modules')));
    expect(modules.map((c) => c.flags.from)).toEqual(['deps']);
    expect(copies.filter((c) => c.flags.from === 'build').map((c) => c.args)).toEqual([['/app/dist', 'dist']]);
    expect(ofKind(runtime, 'RUN').map((r) => r.text).join(' ')).not.toMatch(/npm (ci|install)/);
  });

  it('runs as a non-root user, writes only to its volumes, and has a healthcheck', () => {
    const user = ofKind(runtime, 'USER').at(-1)?.args[0] ?? 'root';
    expect(user.split(':')[0]).not.toMatch(/^(root|0)$/);
    expect(ofKind(runtime, 'VOLUME').flatMap((v) => v.args)).toEqual(['/var/lib/fleetflow', '/tmp']);
    expect(ofKind(runtime, 'ENV').map((e) => e.text).join(' ')).toContain('FLEETFLOW_DATA=/var/lib/fleetflow');
    const health = ofKind(runtime, 'HEALTHCHECK');
    expect(health).toHaveLength(1);
    expect(health[0]!.text).toMatch(/CMD \["node", "\/app\/deploy\/docker\/healthcheck\.mjs"\]/);
  });

  it('every file it copies from the clone exists, and every entrypoint names a file the build made', () => {
    const ignored = readFileSync(join(repoDir, '.dockerignore'), 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
    const fromContext = dockerfile.stages.flatMap((s) => ofKind(s, 'COPY').filter((c) => !c.flags.from).flatMap((c) => c.args.slice(0, -1)));
    expect(fromContext.length).toBeGreaterThan(5);
    expect(fromContext.filter((p) => !existsSync(join(repoDir, p)))).toEqual([]);
    expect(fromContext.filter((p) => ignored.includes(p.split('/')[0]!))).toEqual([]);
    const entrypoint = readFileSync(join(repoDir, 'deploy/docker/entrypoint.sh'), 'utf8');
    const entries = [...entrypoint.matchAll(/exec node dist\/(\S+)/g)].map((m) => m[1]!);
    expect(entries).toEqual(['workers/main.js', 'src/api/main.js', 'src/cli/bin.mjs', 'src/cli/bin.mjs']);
    // The agent's manifest starts the image by a role the entrypoint has (not as a command to exec).
    const roles = [...entrypoint.matchAll(/^ {2}([a-z |]+)\) exec/gm)].flatMap((m) => m[1]!.split('|').map((r) => r.trim()));
    expect(roles).toEqual(['worker', 'api', 'agent', 'cli', 'fleetflow']);
    expect(readFileSync(join(repoDir, 'deploy/agent/deployment.yaml'), 'utf8')).toMatch(/^ {10}args: \[agent, --cluster, /m);
    expect(entries.filter((e) => !existsSync(join(out, e)))).toEqual([]);
    expect(existsSync(join(out, 'workflow-bundles/workflows.js')) && existsSync(join(out, 'workflow-bundles/workflows-otel.js'))).toBe(true);
  });
});
