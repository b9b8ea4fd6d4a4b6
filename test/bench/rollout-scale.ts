// Measures a fleet rollout over N clusters (default 1000) on a real Temporal dev server, with
// each cluster's apply stubbed (test/workflows/fleet-rollout-workflows.ts: the child reads the
// bundle from the rollout, then returns at once) and a bundle of about 50 KB: how many runs the
// rollout continued through, events and bytes of each run's history, the progress query's
// latency and size. Not the time-skipping server: it reports no history size, and its time
// stops skipping for children once their parent continued as new (sdk-java#1540).
//   node --import tsx test/bench/rollout-scale.ts [clusters] [bundleKiB] [maxConcurrency] [workers]
// `workers` Worker instances (default 1) poll the queue, each with its own sticky cache and
// workflow threads: the two-worker figure of README's "Workers and versioning".
import { fileURLToPath } from 'node:url';
import proto from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { rolloutBundleActivities } from '../../activities/rollout-bundle.js';
import { Toolchain } from '../../src/host/toolchain.js';
import { getRolloutProgress } from '../../src/temporal/messages/staged.js';
import { workflowBundleOptions } from '../../workers/bundle.js';
import { WORKER_TUNING } from '../../workers/tuning.js';
import { cluster } from '../helpers/cluster-summaries.js';
import { testEncryptionPlugin } from '../helpers/test-encryption.js';

const n = Number(process.argv[2] ?? 1000);
const kib = Number(process.argv[3] ?? 50);
const concurrency = Number(process.argv[4] ?? 50);
const workerCount = Number(process.argv[5] ?? 1);
Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } } });
let extra: NativeConnection[] = [];
const env = await TestWorkflowEnvironment.createLocal({ plugins: [testEncryptionPlugin], server: { executable: { type: 'existing-path', path: new Toolchain().temporal } } });
try {
  const workflowBundle = await bundleWorkflowCode({ workflowsPath: fileURLToPath(new URL('../workflows/fleet-rollout-workflows.ts', import.meta.url)), ...workflowBundleOptions, logger: new DefaultLogger('ERROR') });
  const inventory = Array.from({ length: n }, (_, i) => cluster(`c${String(i).padStart(4, '0')}`, { environment: 'prod' }));
  const manifests = Array.from({ length: Math.max(1, Math.round(kib / 2)) }, (_, i) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `cm-${i}`, namespace: 'shop' },
    data: { blob: 'x'.repeat(2_000) },
  }));
  const activities = { ...rolloutBundleActivities(env.client), listFleet: async () => inventory, fakeApply: async () => ({ ok: true, minutes: 0 }), fakeRollback: async () => undefined };
  // The SDK refuses two Workers of one task queue on one connection: each further one gets its own, as a separate process would.
  extra = await Promise.all(Array.from({ length: workerCount - 1 }, () => NativeConnection.connect({ address: env.address, plugins: [testEncryptionPlugin] })));
  const connections = [env.nativeConnection, ...extra];
  const workers = await Promise.all(connections.map((connection) =>
    Worker.create({ connection, taskQueue: 'scale', workflowBundle, activities, maxConcurrentWorkflowTaskExecutions: 50, ...WORKER_TUNING })));
  // Every worker runs until the measurement is done; it runs once, whichever worker's runUntil started it.
  const worker = {
    runUntil: async (fn: () => Promise<void>) => {
      const done = fn();
      await Promise.all(workers.map((w) => w.runUntil(done)));
    },
  };
  const started = Date.now();
  const queries: number[] = [];
  let size = 0;
  await worker.runUntil(async () => {
    const h = await env.client.workflow.start('fleetRollout', {
      workflowId: 'scale',
      taskQueue: 'scale',
      args: [{ selector: {}, plan: { generate: { canary: 1, steps: ['10%', '50%', '100%'], canaryApproval: 'none', maxConcurrency: concurrency } }, bundle: { name: 'shop', revision: 'v2', manifests } }],
    });
    const done = h.result();
    let finished = false;
    void done.finally(() => (finished = true));
    while (!finished) {
      const t = Date.now();
      const p = await h.query(getRolloutProgress).catch(() => undefined);
      if (p) {
        if (process.env.BENCH_VERBOSE) console.error(p.summary);
        queries.push(Date.now() - t);
        size = Math.max(size, JSON.stringify(p).length);
      }
      await Promise.race([done.catch(() => undefined), new Promise((r) => setTimeout(r, 2_000))]);
    }
    const result = await done;
    const runs: { events: number; mb: number }[] = [];
    for (let runId: string | undefined = h.firstExecutionRunId; runId; ) {
      const history: Awaited<ReturnType<typeof h.fetchHistory>> = await env.client.workflow.getHandle('scale', runId).fetchHistory();
      const events = history.events ?? [];
      // Bytes as the server counts them: the encoded protobuf, not its JSON rendering.
      runs.push({ events: events.length, mb: Math.round(proto.temporal.api.history.v1.History.encode(history).finish().length / 1e5) / 10 });
      runId = events[events.length - 1]?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
    }
    queries.sort((a, b) => a - b);
    console.log(JSON.stringify({
      clusters: n,
      workers: workerCount,
      maxConcurrency: concurrency,
      bundleKiB: Math.round(JSON.stringify(manifests).length / 1024),
      applied: (result as { applied: string[] }).applied.length,
      runs,
      wallSeconds: Math.round((Date.now() - started) / 1000),
      queryMs: { median: queries[Math.floor(queries.length / 2)], max: queries[queries.length - 1], samples: queries.length },
      progressBytes: size,
    }));
  });
} finally {
  await Promise.all(extra.map((c) => c.close()));
  await env.teardown();
}
