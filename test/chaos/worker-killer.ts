import type { ChildProcess } from 'node:child_process';
import type { Rng } from './prng.js';

/** One kill the driver made: during which operation, when (ms after the driver started), which process, how long the worker stayed down. */
export interface Kill {
  phase: string;
  atMs: number;
  pid: number;
  pauseMs: number;
}

export interface KillSchedule {
  /** How many times the worker is SIGKILLed in all. */
  kills: number;
  /** The operations of the scenario, in order: each kill is drawn into one of them. */
  phases: readonly string[];
  /** A kill comes this long after its operation started or the previous restart, drawn uniformly, in ms. */
  delayMs: readonly [number, number];
  /** The worker stays dead this long before it is started again, drawn uniformly, in ms. */
  pauseMs: readonly [number, number];
}

interface PlannedKill {
  delay: number;
  pause: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The chaos driver. Before anything runs it draws, from the seeded PRNG, every kill: which
 * operation it belongs to (uniformly), its delay and the pause before the restart. While an
 * operation runs (`during`), its kills happen one after another, each its delay after the
 * operation's start or the previous restart: SIGKILL, wait for the exit, wait the pause, start a
 * new worker. A kill still waiting when its operation ends moves to the next operation; after the
 * last one, `finish` makes the kills left over (what runs then is the entities' own health and
 * drift checks). So every run makes exactly `kills` kills, spread over every operation, and the
 * schedule is a function of the seed alone (where each kill lands inside its operation depends
 * on the machine's speed; the invariants hold wherever it lands).
 */
export class WorkerKiller {
  readonly kills: Kill[] = [];
  /** Workers that exited without being killed (a crash is a finding: the invariants fail on it). */
  readonly selfExits: string[] = [];
  private readonly killed = new Set<ChildProcess>();
  private readonly planned = new Map<string, PlannedKill[]>();
  private carried: PlannedKill[] = [];
  private worker: ChildProcess;
  private readonly started = Date.now();

  constructor(
    private readonly spawnWorker: () => ChildProcess,
    rng: Rng,
    private readonly schedule: KillSchedule,
    private readonly log: (line: string) => void = () => undefined,
  ) {
    for (const phase of schedule.phases) this.planned.set(phase, []);
    for (let i = 0; i < schedule.kills; i++) {
      const phase = schedule.phases[rng.between(0, schedule.phases.length - 1)]!;
      this.planned.get(phase)!.push({ delay: rng.between(schedule.delayMs[0], schedule.delayMs[1]), pause: rng.between(schedule.pauseMs[0], schedule.pauseMs[1]) });
    }
    this.worker = this.spawn();
  }

  /** The worker running now. */
  get current(): ChildProcess {
    return this.worker;
  }

  /** How many kills each operation drew, e.g. "provision 2, rollout 1". */
  get plan(): string {
    return [...this.planned].map(([phase, kills]) => `${phase} ${kills.length}`).join(', ');
  }

  /** Runs `operation` as phase `phase`, making that phase's kills (and those carried to it) while it runs. */
  async during<T>(phase: string, operation: () => Promise<T>): Promise<T> {
    const queue = [...this.carried, ...(this.planned.get(phase) ?? [])];
    let over = false;
    const result = operation().finally(() => {
      over = true;
    });
    const ended = result.then(() => 'ended' as const, () => 'ended' as const);
    while (queue.length > 0) {
      const next = queue[0]!;
      let timer: NodeJS.Timeout | undefined;
      const due = new Promise<'due'>((r) => (timer = setTimeout(() => r('due'), next.delay)));
      const first = await Promise.race([due, ended]);
      clearTimeout(timer);
      if (first === 'ended' || over) break;
      queue.shift();
      await this.killAndRestart(phase, next);
    }
    this.carried = queue;
    return result;
  }

  /** After the last operation: the kills left over, then the last worker stays up. */
  async finish(): Promise<void> {
    for (const next of this.carried.splice(0)) {
      await sleep(next.delay);
      await this.killAndRestart('after the operations', next);
    }
  }

  private async killAndRestart(phase: string, planned: PlannedKill): Promise<void> {
    const victim = this.worker;
    if (victim.exitCode === null && victim.signalCode === null) {
      const exited = new Promise((r) => victim.once('exit', r));
      this.killed.add(victim);
      victim.kill('SIGKILL');
      await exited;
    }
    const kill = { phase, atMs: Date.now() - this.started, pid: victim.pid!, pauseMs: planned.pause };
    this.kills.push(kill);
    this.log(`kill ${this.kills.length}/${this.schedule.kills} during ${phase}: worker ${kill.pid} SIGKILLed at ${(kill.atMs / 1000).toFixed(1)} s, restarted after ${planned.pause} ms`);
    await sleep(planned.pause);
    this.worker = this.spawn();
  }

  private spawn(): ChildProcess {
    const child = this.spawnWorker();
    child.once('exit', (code, signal) => {
      if (!this.killed.has(child)) this.selfExits.push(`worker ${child.pid} exited by itself (${signal ?? `code ${code}`})`);
    });
    return child;
  }
}
