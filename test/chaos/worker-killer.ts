import type { ChildProcess } from 'node:child_process';
import type { Rng } from './prng.js';

/** One kill the driver made: when (ms after the driver started), which process, how long the worker stayed down. */
export interface Kill {
  atMs: number;
  pid: number;
  pauseMs: number;
}

export interface KillSchedule {
  /** How many times the worker is SIGKILLed in all. */
  kills: number;
  /** Each kill comes this long after the previous (re)start, drawn uniformly, in ms. */
  gapMs: readonly [number, number];
  /** The worker stays dead this long before it is started again, drawn uniformly, in ms. */
  pauseMs: readonly [number, number];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The chaos driver. It starts the worker, then exactly `kills` times: waits a drawn gap, SIGKILLs
 * the worker, waits for it to exit, waits a drawn pause and starts a new one. It does not watch
 * the scenario: when the operations finish before the last kill, it goes on killing (what runs
 * then is the entities' own health and drift checks) until all kills are done, so every run makes
 * exactly `kills` kills. `done` resolves after the last restart, with the worker running.
 */
export class WorkerKiller {
  readonly kills: Kill[] = [];
  /** Workers that exited without being killed (a crash is a finding: the invariants fail on it). */
  readonly selfExits: string[] = [];
  private readonly killed = new Set<ChildProcess>();
  readonly done: Promise<void>;
  private worker: ChildProcess;
  private readonly started = Date.now();

  constructor(
    private readonly spawnWorker: () => ChildProcess,
    private readonly rng: Rng,
    private readonly schedule: KillSchedule,
    private readonly log: (line: string) => void = () => undefined,
  ) {
    this.worker = this.spawn();
    this.done = this.run();
  }

  /** The worker running now. */
  get current(): ChildProcess {
    return this.worker;
  }

  private async run(): Promise<void> {
    const { kills, gapMs, pauseMs } = this.schedule;
    for (let i = 1; i <= kills; i++) {
      // Both draws happen before any waiting, so the schedule is a function of the seed alone.
      const gap = this.rng.between(gapMs[0], gapMs[1]);
      const pause = this.rng.between(pauseMs[0], pauseMs[1]);
      await sleep(gap);
      const victim = this.worker;
      if (victim.exitCode === null && victim.signalCode === null) {
        const exited = new Promise((r) => victim.once('exit', r));
        this.killed.add(victim);
        victim.kill('SIGKILL');
        await exited;
      }
      const kill = { atMs: Date.now() - this.started, pid: victim.pid!, pauseMs: pause };
      this.kills.push(kill);
      this.log(`kill ${i}/${kills}: worker ${kill.pid} SIGKILLed at ${(kill.atMs / 1000).toFixed(1)} s, restarted after ${pause} ms`);
      await sleep(pause);
      this.worker = this.spawn();
    }
  }

  private spawn(): ChildProcess {
    const child = this.spawnWorker();
    child.once('exit', (code, signal) => {
      if (!this.killed.has(child)) this.selfExits.push(`worker ${child.pid} exited by itself (${signal ?? `code ${code}`})`);
    });
    return child;
  }
}
