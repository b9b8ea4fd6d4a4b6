// The fleet-scale benchmark (issue 17), on one real Temporal dev server, printed as one table:
//   P1: a fleet rollout over N zero-latency clusters (the real fleetRollout; each cluster's child
//       reads the bundle from the rollout and applies nothing) against Temporal's floor in the
//       same run on the same server: a parent starting N children through a sliding window of
//       the same concurrency, each child one no-op activity. Both times and the ratio.
//   Q:  the progress query's median and p99 while a rollout over N clusters runs, with the
//       worker's tuning as shipped.
//   P3: E registered cluster entities (the real clusterEntity, Active, health checks on their
//       normal interval, a zero-latency health probe): `fleetflow clusters list --selector
//       env=prod,team=x` time; the idle cost (worker CPU, workflow tasks per minute); the
//       worker's RSS with H operations in flight; the longest history of the run.
//   node --import tsx test/bench/fleet-scale.ts [--clusters N] [--concurrency C] [--entities E] [--in-flight H] [--idle-seconds S]
// Defaults are the sizes (1,000 clusters at 50, 10,000 entities, 1,000 in flight, 60 s).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { rolloutBundleActivities } from '../../activities/rollout-bundle.js';
import { createActivities } from '../../activities/index.js';
import { newClusterState } from '../../src/domain/cluster/lifecycle.js';
import { ClusterSpecSchema } from '../../src/domain/cluster/spec.js';
import { inventoryQuery, parseSelector } from '../../src/domain/selection/selector-syntax.js';
import { Toolchain, repoDir } from '../../src/host/toolchain.js';
import { ProviderRegistry } from '../../src/providers/registry.js';
import { listClusters } from '../../src/temporal/fleet-inventory.js';
import { ALL_SEARCH_ATTRIBUTES, inventoryAttributes } from '../../src/temporal/search-attributes.js';
import { getRolloutProgress } from '../../src/temporal/messages/staged.js';
import { workflowBundleOptions } from '../../workers/bundle.js';
import { WORKER_TUNING } from '../../workers/tuning.js';
import { cluster } from '../helpers/cluster-summaries.js';
import { seedDataFolderKey, testEncryptionPlugin } from '../helpers/test-encryption.js';

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} needs a whole number >= 1`);
  return v;
}
const N = flag('clusters', 1_000);
const C = flag('concurrency', 50);
const E = flag('entities', 10_000);
const H = flag('in-flight', 1_000);
const IDLE_S = flag('idle-seconds', 60);
const log = (s: string) => process.stderr.write(`${s}\n`);
const seconds = (ms: number) => Math.round(ms / 100) / 10;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))] ?? NaN;

Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } } });
const toolchain = new Toolchain();
const dataDir = mkdtempSync(join(tmpdir(), 'fleetflow-bench-'));
seedDataFolderKey(dataDir);
const env = await TestWorkflowEnvironment.createLocal({
  plugins: [testEncryptionPlugin],
  server: { executable: { type: 'existing-path', path: toolchain.temporal }, ip: '127.0.0.1', searchAttributes: ALL_SEARCH_ATTRIBUTES, log: { format: 'pretty', level: 'error' } },
});
const rows: [string, string, string][] = [];
/** A figure, kept for the table and logged at once: a run stopped half way still shows what it measured. */
const row = (...r: [string, string, string]) => {
  rows.push(r);
  log(`figure: ${r.filter(Boolean).join('  ')}`);
};
try {
  const workflowBundle = await bundleWorkflowCode({ workflowsPath: fileURLToPath(new URL('./floor-workflows.ts', import.meta.url)), ...workflowBundleOptions, logger: new DefaultLogger('ERROR') });
  const inventory = Array.from({ length: N }, (_, i) => cluster(`c${String(i).padStart(5, '0')}`, { environment: 'prod' }));
  let release: () => void = () => undefined;
  const held = new Promise<void>((r) => (release = r));
  const healthy = async () => ({ status: 'Healthy' as const, reasons: [], checkedAt: new Date().toISOString(), version: '1.35.4', nodes: { ready: 1, total: 1 } });
  const activities = {
    ...createActivities({ client: env.client, providers: new ProviderRegistry([]) }),
    ...rolloutBundleActivities(env.client),
    listFleet: async () => inventory,
    fakeApply: async () => ({ ok: true, minutes: 0 }),
    fakeRollback: async () => undefined,
    noop: async () => undefined,
    hold: () => held,
    // A zero-latency provider: the entity's periodic checks answer at once.
    checkClusterHealth: healthy,
    readClusterCapacity: async () => ({ cpu: { allocatable: 4_000, requested: 0 }, memory: { allocatable: 8 * 2 ** 30, requested: 0 }, nodes: 1, zones: ['local-a'] }),
  };
  const taskQueue = 'bench';
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle, activities: activities as never, ...WORKER_TUNING });
  const bundle = { name: 'shop', revision: 'v2', manifests: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'shop' }, data: {} }] };
  const rollout = (id: string) => env.client.workflow.start('fleetRollout', { workflowId: id, taskQueue, args: [{ selector: {}, plan: { stages: [{ name: 'all', maxConcurrency: C }] }, bundle }] });

  await worker.runUntil(async () => {
    // P1: the rollout, then the floor, one after the other on the same server.
    log(`P1: rollout over ${N} clusters at concurrency ${C}...`);
    let t = Date.now();
    await (await rollout('bench-rollout')).result();
    const rolloutMs = Date.now() - t;
    log(`P1: floor, ${N} children at concurrency ${C}...`);
    t = Date.now();
    await env.client.workflow.execute('floorParent', { workflowId: 'bench-floor', taskQueue, args: [N, C] });
    const floorMs = Date.now() - t;
    // Where the time goes: the rollout's child runs two activities (the bundle read, the apply),
    // the floor's one. The same floor with two per child separates that from the parent's own work.
    log(`P1: floor with two activities per child...`);
    t = Date.now();
    await env.client.workflow.execute('floorParent', { workflowId: 'bench-floor-two', taskQueue, args: [N, C, 'floorChildTwoActivities'] });
    const floorTwoMs = Date.now() - t;
    const ratio = rolloutMs / floorMs;
    row(`P1 rollout, ${N} zero-latency clusters, concurrency ${C}`, `${seconds(rolloutMs)} s`, '');
    row(`P1 Temporal floor (parent + ${N} children, 1 no-op activity each)`, `${seconds(floorMs)} s`, '');
    row('P1 ratio rollout / floor', `${ratio.toFixed(2)}x`, `<= 1.2x: ${ratio <= 1.2 ? 'ok' : 'OVER'}`);
    row(`P1 where the time goes: the floor with 2 no-op activities per child, as the rollout's child runs`, `${seconds(floorTwoMs)} s (rollout / this: ${(rolloutMs / floorTwoMs).toFixed(2)}x)`, '');

    // Q: progress queries while a second rollout runs, one after the other.
    log('Q: progress queries during a rollout...');
    const h = await rollout('bench-rollout-queried');
    const done = h.result();
    let finished = false;
    void done.finally(() => (finished = true));
    const latencies: number[] = [];
    let bytes = 0;
    while (!finished) {
      const q = Date.now();
      const p = await h.query(getRolloutProgress).catch(() => undefined);
      if (p) {
        latencies.push(Date.now() - q);
        bytes = Math.max(bytes, JSON.stringify(p).length);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    await done;
    const p99 = pct(latencies, 99);
    row(`Q progress query during the rollout (${latencies.length} queries, answer <= ${Math.round(bytes / 1024)} KiB)`, `median ${pct(latencies, 50)} ms, p99 ${p99} ms`, `p99 < 250 ms: ${p99 < 250 ? 'ok' : 'OVER'}`);

    // P3: E registered entities, Active, checked on their normal interval.
    log(`P3: registering ${E} cluster entities...`);
    const at = new Date().toISOString();
    for (let i = 0; i < E; i += 100) {
      await Promise.all(
        Array.from({ length: Math.min(100, E - i) }, (_, j) => {
          const k = i + j;
          const spec = ClusterSpecSchema.parse({ name: `e${String(k).padStart(5, '0')}`, provider: 'local', environment: k % 2 ? 'prod' : 'dev', labels: { team: k % 10 === 1 ? 'x' : 'y' } });
          const state = { ...newClusterState(spec, at), phase: 'Active' as const };
          return env.client.workflow.start('clusterEntity', { workflowId: `cluster/${spec.name}`, taskQueue, args: [{ spec, state }], typedSearchAttributes: inventoryAttributes(state) });
        }),
      );
    }
    let expected = 0;
    for (let k = 0; k < E; k++) if (k % 2 && k % 10 === 1) expected++;
    const cli = () => {
      const q = Date.now();
      const out = execFileSync(process.execPath, [join(repoDir, 'src', 'cli', 'bin.mjs'), 'clusters', 'list', '--selector', 'env=prod,team=x', '-o', 'json'], {
        encoding: 'utf8',
        env: { ...process.env, TEMPORAL_ADDRESS: env.address, TEMPORAL_NAMESPACE: 'default', FLEETFLOW_TASK_QUEUE: taskQueue, FLEETFLOW_DATA: dataDir },
      });
      return { ms: Date.now() - q, listed: (JSON.parse(out) as unknown[]).length };
    };
    // Visibility is eventually consistent: list until every matching entity shows, then time a list.
    for (let i = 0; i < 60 && cli().listed < expected; i++) await new Promise((r) => setTimeout(r, 1_000));
    const list = cli();
    row(`P3 clusters list --selector env=prod,team=x over ${E} entities (${list.listed} listed)`, `${list.ms} ms`, `< 1 s: ${list.ms < 1_000 ? 'ok' : 'OVER'}`);
    // Where the time goes: the same listing in this process, without the CLI's start (from the sources, through tsx).
    const terms = parseSelector('env=prod,team=x');
    if (!terms.ok) throw new Error('the bench selector does not parse');
    const q = Date.now();
    const rows = await listClusters(env.client, inventoryQuery(terms.terms));
    row(`P3 where the time goes: the same listing without the CLI's start (${rows.length} listed)`, `${Date.now() - q} ms`, '');

    const historyTotal = async () => {
      let events = 0;
      for await (const wf of env.client.workflow.list({ query: 'WorkflowType = "clusterEntity"' })) events += wf.historyLength;
      return events;
    };
    log(`P3: idle for ${IDLE_S} s...`);
    const before = await historyTotal();
    const cpu = process.cpuUsage();
    t = Date.now();
    await new Promise((r) => setTimeout(r, IDLE_S * 1_000));
    const used = process.cpuUsage(cpu);
    const idleMs = Date.now() - t;
    const after = await historyTotal();
    // A workflow task is three events (scheduled, started, completed); each check adds its activity's three.
    const tasksPerMinute = Math.round(((after - before) / 3 / (idleMs / 60_000)) * 10) / 10;
    const cpuPct = Math.round(((used.user + used.system) / 1_000 / idleMs) * 1000) / 10;
    row(`P3 idle cost of ${E} entities (worker process, ${IDLE_S} s)`, `${cpuPct}% of one core, ~${tasksPerMinute} tasks/min`, 'history events / 3');
    // Whether one worker keeps up with the entities' checks: the workflow tasks waiting on its queue.
    const queue = await env.client.workflowService.describeTaskQueue({ namespace: 'default', taskQueue: { name: taskQueue }, taskQueueType: 1, reportStats: true });
    const backlog = Number(queue.stats?.approximateBacklogCount ?? 0);
    const backlogAgeS = Number(queue.stats?.approximateBacklogAge?.seconds ?? 0);
    row(`P3 workflow-task backlog after the idle period`, `${backlog} tasks, oldest ${backlogAgeS} s`, `kept up: ${backlog < E / 100 ? 'yes' : 'NO'}`);

    log(`P3: ${H} operations in flight...`);
    const parent = await env.client.workflow.start('floorParent', { workflowId: 'bench-in-flight', taskQueue, args: [H, H, 'heldChild'] });
    let running = 0;
    for (let i = 0; i < 120 && running < H; i++) {
      await new Promise((r) => setTimeout(r, 1_000));
      running = 0;
      for await (const _ of env.client.workflow.list({ query: 'WorkflowType = "heldChild" AND ExecutionStatus = "Running"' })) running++;
    }
    // RSS next to V8's share: RSS well above heapTotal + external is native memory (Core, threads).
    const mem = process.memoryUsage();
    const mb = (n: number) => Math.round(n / 1024 / 1024);
    const rssMb = mb(mem.rss);
    const v8Split = `heapUsed ${mb(mem.heapUsed)} / heapTotal ${mb(mem.heapTotal)} MB, external ${mb(mem.external)} MB (arrayBuffers ${mb(mem.arrayBuffers)})`;
    release();
    // A worker behind on its queue may not have started them all: say so rather than wait for it.
    if (running < H) await parent.terminate('bench: not every operation started within 120 s');
    else await parent.result();
    row(`P3 worker RSS with ${running} of ${H} operations in flight (children held in an activity)`, `${rssMb} MB (${v8Split})`, `< 1 GiB: ${rssMb < 1024 ? 'ok' : 'OVER'}`);

    let longest = 0;
    let which = '';
    for await (const wf of env.client.workflow.list()) {
      if (wf.historyLength > longest) {
        longest = wf.historyLength;
        which = wf.workflowId;
      }
    }
    row('P3 longest history of the run', `${longest} events (${which})`, `<= 10,000: ${longest <= 10_000 ? 'ok' : 'OVER'}`);
  });
} finally {
  await env.teardown();
  rmSync(dataDir, { recursive: true, force: true });
}
const w = [0, 1].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
console.log('-- fleet figures --');
console.log(rows.map((r) => `${r[0].padEnd(w[0]!)}  ${r[1].padEnd(w[1]!)}  ${r[2]}`).join('\n'));
