// Measures an upgrade wave over N clusters (default 1000) on the time-skipping test server, with
// upgradeCluster stubbed (test/workflows/upgrade-wave-workflows.ts): how many runs the wave
// continued through, the largest history of any run, the progress query's latency and size.
//   node --import tsx test/bench/wave-scale.ts [clusters] [concurrency] [maxHistoryEvents]
import { Worker } from '@temporalio/worker';
import { getWaveProgress } from '../../src/temporal/messages/staged.js';
import { WORKER_TUNING } from '../../workers/tuning.js';
import { cluster } from '../helpers/cluster-summaries.js';
import { timeSkipping } from '../helpers/time-skipping.js';

const n = Number(process.argv[2] ?? 1000);
const concurrency = Number(process.argv[3] ?? 50);
const maxHistoryEvents = Number(process.argv[4] ?? 5000);
const { env, workflowBundle } = await timeSkipping(new URL('../workflows/upgrade-wave-workflows.ts', import.meta.url));
try {
  const envs = ['dev', 'staging', 'prod'];
  const inventory = Array.from({ length: n }, (_, i) => cluster(`c${String(i).padStart(4, '0')}`, { environment: envs[i % 3]! }));
  const activities = { listFleet: async () => inventory, fakeUpgrade: async () => ({ ok: true, minutes: 20 }) };
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue: 'scale', workflowBundle, activities, maxConcurrentWorkflowTaskExecutions: 50, ...WORKER_TUNING });
  const started = Date.now();
  const queries: number[] = [];
  let size = 0;
  await worker.runUntil(async () => {
    const h = await env.client.workflow.start('upgradeWave', { workflowId: 'scale', taskQueue: 'scale', args: [{ targets: [{ selector: {}, version: '1.36' }], soak: '1h', maxConcurrency: concurrency, maxHistoryEvents }] });
    const done = h.result();
    let finished = false;
    void done.finally(() => (finished = true));
    while (!finished) {
      const t = Date.now();
      const p = await h.query(getWaveProgress).catch(() => undefined);
      if (p) {
        queries.push(Date.now() - t);
        size = Math.max(size, JSON.stringify(p).length);
      }
      await Promise.race([done.catch(() => undefined), new Promise((r) => setTimeout(r, 2_000))]);
    }
    const result = await done;
    const t = Date.now();
    const final = await h.query(getWaveProgress);
    queries.push(Date.now() - t);
    size = Math.max(size, JSON.stringify(final).length);
    // Every run of the wave: its history length.
    const runs: number[] = [];
    // (The test server cannot list workflows: follow the continue-as-new chain from the first run.)
    for (let runId: string | undefined = h.firstExecutionRunId; runId; ) {
      const history: Awaited<ReturnType<typeof h.fetchHistory>> = await env.client.workflow.getHandle('scale', runId).fetchHistory();
      const events = history.events ?? [];
      runs.push(events.length);
      runId = events[events.length - 1]?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
    }
    queries.sort((a, b) => a - b);
    console.log(JSON.stringify({
      clusters: n,
      concurrency,
      maxHistoryEvents,
      upgraded: (result as { upgraded: string[] }).upgraded.length,
      generations: final.generation + 1,
      eventsPerRun: runs,
      wallSeconds: Math.round((Date.now() - started) / 1000),
      queryMs: { median: queries[Math.floor(queries.length / 2)], max: queries[queries.length - 1], samples: queries.length },
      progressBytes: size,
    }));
  });
} finally {
  await env.teardown();
}
