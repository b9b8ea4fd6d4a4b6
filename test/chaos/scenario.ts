import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoDir } from '../../src/host/toolchain.js';
import type { FleetTestEnv } from '../helpers/fleet-env.js';
import { checkInvariants, type Invariant } from './invariants.js';
import { PHASES, runOperations } from './operations.js';
import { seededRng } from './prng.js';
import { WorkerKiller, type Kill, type KillSchedule } from './worker-killer.js';

export interface ChaosRun {
  seed: number;
  kills: Kill[];
  invariants: Invariant[];
  seconds: number;
  /** The worker processes' log (for a failed run). */
  workerLog: string;
}

/**
 * Delays and pauses of the kill schedule: a kill comes 0.5 to 8 s into its operation (or after
 * the previous restart), so even the few-second operations (a rollout, a decommission) are hit.
 */
export const DEFAULT_SCHEDULE: Omit<KillSchedule, 'kills'> = { phases: PHASES, delayMs: [500, 8_000], pauseMs: [200, 3_000] };

/**
 * The worker-kill scenario on one FleetTestEnv: the operations of runOperations run while a
 * WorkerKiller SIGKILLs the worker `kills` times; once both are done (the operations, and every
 * kill followed by its restart), the invariants are checked against the last worker.
 */
export async function runWorkerKillChaos(
  fleet: FleetTestEnv,
  opts: { kills: number; seed: number; log: (line: string) => void },
): Promise<ChaosRun> {
  const started = Date.now();
  const dir = mkdtempSync(join(fleet.dataDir, 'chaos-'));
  const bundlePath = join(dir, 'workflow-bundle.js');
  writeFileSync(bundlePath, fleet.bundle.code);
  const journal = join(dir, 'provider-journal.ndjson');
  const workerLog = join(dir, 'worker.log');
  const taskQueue = fleet.newTaskQueue();
  opts.log(`chaos seed ${opts.seed} (replay with FLEETFLOW_CHAOS_SEED=${opts.seed}); ${opts.kills} kills`);
  const killer = new WorkerKiller(
    () =>
      fleet.spawnWorker(taskQueue, workerLog, {
        entry: join(repoDir, 'test', 'chaos', 'chaos-worker.ts'),
        env: { FLEETFLOW_CHAOS_BUNDLE: bundlePath, FLEETFLOW_CHAOS_JOURNAL: journal },
      }),
    seededRng(opts.seed),
    { kills: opts.kills, ...DEFAULT_SCHEDULE },
    opts.log,
  );
  opts.log(`kills drawn per operation: ${killer.plan}`);
  const ctx = { client: fleet.client, taskQueue, local: fleet.local, log: opts.log, during: killer.during.bind(killer) };
  const outcomes = await runOperations(ctx);
  await killer.finish();
  opts.log(`operations and ${killer.kills.length} kills done in ${((Date.now() - started) / 1000).toFixed(0)} s; checking the invariants`);
  const invariants = await checkInvariants({
    ...ctx,
    journal,
    outcomes,
    killedPids: new Set(killer.kills.map((k) => k.pid)),
    selfExits: killer.selfExits,
  });
  killer.current.kill('SIGKILL');
  return { seed: opts.seed, kills: killer.kills, invariants, seconds: (Date.now() - started) / 1000, workerLog };
}

/** The run as lines: the seed, "K/N" kills, each invariant with its verdict. */
export function formatChaosRun(run: ChaosRun, planned: number): string[] {
  return [
    `chaos seed ${run.seed}: ${run.kills.length}/${planned} worker kills survived in ${run.seconds.toFixed(0)} s (during ${killsByPhase(run.kills)})`,
    ...run.invariants.map((inv) => `  ${inv.ok ? 'ok  ' : 'FAIL'} ${inv.name}: ${inv.detail}`),
  ];
}

function killsByPhase(kills: readonly Kill[]): string {
  const counts = new Map<string, number>();
  for (const k of kills) counts.set(k.phase, (counts.get(k.phase) ?? 0) + 1);
  return [...counts].map(([phase, n]) => `${phase} ${n}`).join(', ');
}
