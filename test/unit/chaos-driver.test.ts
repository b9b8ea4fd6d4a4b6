import { EventEmitter } from 'node:events';
import type { ChildProcess } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { chaosSeed, seededRng } from '../chaos/prng.js';
import { WorkerKiller } from '../chaos/worker-killer.js';

/** A stand-in for a worker process: kill() makes it exit with the signal, as a real one would. */
function fakeWorker(pid: number): ChildProcess {
  const child = new EventEmitter() as EventEmitter & { pid: number; exitCode: number | null; signalCode: string | null; kill: (s: string) => boolean };
  child.pid = pid;
  child.exitCode = null;
  child.signalCode = null;
  child.kill = (signal: string) => {
    setImmediate(() => {
      child.signalCode = signal;
      child.emit('exit', null, signal);
    });
    return true;
  };
  return child as unknown as ChildProcess;
}

describe('the chaos seed', () => {
  it('replays the same draws for the same seed and different ones for another', () => {
    const draws = (seed: number) => Array.from({ length: 5 }, ((rng) => () => rng.between(3_000, 15_000))(seededRng(seed)));
    expect(draws(42)).toEqual(draws(42));
    expect(draws(42)).not.toEqual(draws(43));
    expect(draws(42).every((d) => d >= 3_000 && d <= 15_000)).toBe(true);
  });

  it('is read from FLEETFLOW_CHAOS_SEED, and a bad one is refused naming the variable', () => {
    expect(chaosSeed({ FLEETFLOW_CHAOS_SEED: '1234' })).toBe(1234);
    expect(() => chaosSeed({ FLEETFLOW_CHAOS_SEED: 'x1' })).toThrow('FLEETFLOW_CHAOS_SEED: must be a whole number from 0 to 4294967295, got "x1"');
    expect(chaosSeed({})).toBeGreaterThanOrEqual(0);
  });
});

describe('the worker killer', () => {
  it('kills exactly N times, restarting after each, and reports a worker that exited by itself', async () => {
    let next = 100;
    const spawned: ChildProcess[] = [];
    const killer = new WorkerKiller(() => {
      const w = fakeWorker(next++);
      spawned.push(w);
      return w;
    }, seededRng(7), { kills: 3, gapMs: [1, 5], pauseMs: [0, 2] });
    await killer.done;
    expect(killer.kills.map((k) => k.pid)).toEqual([100, 101, 102]);
    expect(spawned).toHaveLength(4);
    expect(killer.current.pid).toBe(103);
    expect(killer.selfExits).toEqual([]);
    (killer.current as unknown as EventEmitter).emit('exit', 1, null);
    expect(killer.selfExits).toEqual(['worker 103 exited by itself (code 1)']);
  });
});
