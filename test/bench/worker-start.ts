import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { repoDir } from '../../src/host/toolchain.js';
import { FleetTestEnv } from '../helpers/fleet-env.js';

/**
 * `node --import tsx test/bench/worker-start.ts [ROUNDS]` after `npm run build`: starts the worker
 * ROUNDS times (default 5) each way, from the sources through tsx (webpack bundles the workflows
 * at start) and from dist/ with plain node (prebuilt bundle), against one dev server, and prints
 * per way the time from spawn to polling (the SDK's "Worker state changed: RUNNING" line) and
 * the resident memory 3 s later (VmRSS) and at its peak (VmHWM). Rounds alternate the ways so
 * machine load hits them alike. WORKER_START_BASELINE=/other/clone/dist/workers/main.js adds a
 * third way, another build (e.g. the commit before a change), measured in the same rounds.
 * Then test/bench/worker-phases.mjs runs ROUNDS times and prints the median of each step of the
 * built worker's start (imports, runtime, connect, Worker.create, first poll).
 */
const rounds = Number(process.argv[2] ?? 5);
const built = join(repoDir, 'dist', 'workers', 'main.js');
if (!existsSync(built)) throw new Error(`${built} is missing: run npm run build first`);
const baseline = process.env.WORKER_START_BASELINE;
const WAYS: Record<string, readonly string[]> = {
  tsx: ['--import', 'tsx', join(repoDir, 'workers', 'main.ts')],
  dist: [built],
  ...(baseline ? { baseline: [baseline] } : {}),
};

const kib = (status: string, field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);

async function once_(fleet: FleetTestEnv, args: readonly string[]): Promise<{ startMs: number; rssMiB: number; peakMiB: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, args, { cwd: repoDir, env: { ...fleet.cliEnv(fleet.newTaskQueue()), FLEETFLOW_METRICS_ADDRESS: 'off' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const running = new Promise<number>((resolve, reject) => {
    const look = (d: Buffer) => {
      out += d;
      if (/state changed.*RUNNING/.test(out)) resolve(performance.now() - started);
    };
    child.stdout!.on('data', look);
    child.stderr!.on('data', look);
    child.once('exit', (code) => reject(new Error(`worker exited (${code}) before polling:\n${out.slice(-2000)}`)));
  });
  const startMs = await running;
  await new Promise((r) => setTimeout(r, 3000));
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  child.kill('SIGTERM');
  await once(child, 'exit');
  return { startMs, rssMiB: kib(status, 'VmRSS') / 1024, peakMiB: kib(status, 'VmHWM') / 1024 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fleet = await FleetTestEnv.create();
try {
  const results: Record<string, { startMs: number; rssMiB: number; peakMiB: number }[]> = Object.fromEntries(Object.keys(WAYS).map((w) => [w, []]));
  for (let i = 0; i < rounds; i++) {
    for (const [way, args] of Object.entries(WAYS)) {
      const r = await once_(fleet, args);
      results[way]!.push(r);
      process.stderr.write(`${way} round ${i + 1}: ${(r.startMs / 1000).toFixed(2)} s to polling, RSS ${r.rssMiB.toFixed(0)} MiB, peak ${r.peakMiB.toFixed(0)} MiB (load ${loadavg()[0]!.toFixed(2)})\n`);
    }
  }
  const summary = Object.fromEntries(
    Object.entries(results).map(([way, rs]) => [
      way,
      {
        startSeconds: { median: +(median(rs.map((r) => r.startMs)) / 1000).toFixed(2), min: +(Math.min(...rs.map((r) => r.startMs)) / 1000).toFixed(2), max: +(Math.max(...rs.map((r) => r.startMs)) / 1000).toFixed(2) },
        rssMiB: Math.round(median(rs.map((r) => r.rssMiB))),
        peakMiB: Math.round(median(rs.map((r) => r.peakMiB))),
      },
    ]),
  );
  // The start times above are printed even when the phases script fails.
  console.log(JSON.stringify({ rounds, load: loadavg().map((l) => +l.toFixed(2)), ...summary }, null, 2));
  const phaseRuns: [string, number][][] = [];
  for (let i = 0; i < rounds; i++) {
    const r = spawnSync(process.execPath, [join(repoDir, 'test', 'bench', 'worker-phases.mjs')], { cwd: repoDir, env: { ...fleet.cliEnv(fleet.newTaskQueue()), FLEETFLOW_METRICS_ADDRESS: 'off' }, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`worker-phases.mjs failed:\n${r.stderr.slice(-2000)}`);
    phaseRuns.push(JSON.parse(r.stdout.trim().split('\n').at(-1)!) as [string, number][]);
  }
  const phases = Object.fromEntries(phaseRuns[0]!.map(([what], i) => [what, median(phaseRuns.map((run) => run[i]![1]))]));
  console.log(JSON.stringify({ builtWorkerPhasesMs: phases, load: loadavg().map((l) => +l.toFixed(2)) }, null, 2));
} finally {
  await fleet.teardown();
}
