// What one cached workflow run costs the worker (issue 17, the P3 RSS row): N runs, each held
// in an activity, so all N stay in the sticky cache; the growth of the process's RSS over N,
// for a bundle of Temporal's SDK alone and for Fleetflow's workflow code.
//   node --import tsx test/bench/run-memory.ts [N=300] [maxCachedWorkflows]
// Each bundle runs in a fresh child process (one Temporal runtime per process).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { Toolchain } from '../../src/host/toolchain.js';
import { workflowBundleOptions } from '../../workers/bundle.js';
import { WORKER_TUNING } from '../../workers/tuning.js';

const N = Number(process.argv[2] ?? 300);
const cache = process.argv[3] ? Number(process.argv[3]) : undefined;
if (!Number.isInteger(N) || N < 1 || (cache !== undefined && (!Number.isInteger(cache) || cache < 2))) throw new Error('usage: run-memory.ts [N >= 1] [maxCachedWorkflows >= 2]');
// Fleetflow as shipped preloads its modules once per workflow thread (workflows/shared-modules.ts);
// 'not shared' is the same code with every run evaluating its own copy, the SDK's default.
const BUNDLES = {
  'SDK alone': { file: 'run-memory-sdk-workflows.ts', shared: false },
  Fleetflow: { file: 'run-memory-workflows.ts', shared: true },
  'Fleetflow, not shared': { file: 'run-memory-workflows.ts', shared: false },
} as const;
const mb = (n: number) => Math.round(n / 2 ** 20);

async function measure(file: string, shared: boolean): Promise<{ baseMb: number; rssMb: number; perRunKiB: number }> {
  Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } } });
  const env = await TestWorkflowEnvironment.createLocal({ server: { executable: { type: 'existing-path', path: new Toolchain().temporal }, ip: '127.0.0.1', log: { format: 'pretty', level: 'error' } } });
  try {
    const workflowBundle = await bundleWorkflowCode({ workflowsPath: fileURLToPath(new URL(file, import.meta.url)), ...(shared ? workflowBundleOptions : {}), logger: new DefaultLogger('ERROR') });
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    let holding = 0;
    let allHeld: () => void = () => undefined;
    const everyRunHeld = new Promise<void>((r) => (allHeld = r));
    const hold = () => {
      if (++holding === N) allHeld();
      return held;
    };
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: 'memory',
      workflowBundle,
      activities: { hold } as never,
      ...WORKER_TUNING,
      maxConcurrentActivityTaskExecutions: N,
      ...(cache ? { maxCachedWorkflows: cache } : {}),
    });
    return await worker.runUntil(async () => {
      const base = process.memoryUsage().rss;
      for (let i = 0; i < N; i += 50) {
        await Promise.all(Array.from({ length: Math.min(50, N - i) }, (_, j) => env.client.workflow.start('heldChild', { workflowId: `held-${i + j}`, taskQueue: 'memory' })));
      }
      // Every run has reached its activity: each has had its first task, and is cached unless evicted.
      await everyRunHeld;
      const rss = process.memoryUsage().rss;
      release();
      return { baseMb: mb(base), rssMb: mb(rss), perRunKiB: Math.round((rss - base) / N / 1024) };
    });
  } finally {
    await env.teardown();
  }
}

const only = process.env.RUN_MEMORY_BUNDLE as keyof typeof BUNDLES | undefined;
if (only) {
  console.log(JSON.stringify(await measure(BUNDLES[only].file, BUNDLES[only].shared)));
} else {
  console.log(`-- cached run memory, ${N} held runs${cache ? `, maxCachedWorkflows ${cache}` : ''} --`);
  for (const name of Object.keys(BUNDLES)) {
    const out = execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), ...process.argv.slice(2)], { encoding: 'utf8', env: { ...process.env, RUN_MEMORY_BUNDLE: name }, stdio: ['ignore', 'pipe', 'inherit'] });
    const r = JSON.parse(out.trim().split('\n').at(-1)!) as { baseMb: number; rssMb: number; perRunKiB: number };
    console.log(`${name.padEnd(21)}  RSS ${r.baseMb} MB before, ${r.rssMb} MB with the runs: ${r.perRunKiB} KiB per run`);
  }
}
