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
  const spawner = () => {
    let next = 100;
    const spawned: ChildProcess[] = [];
    return { spawned, spawn: () => { const w = fakeWorker(next++); spawned.push(w); return w; } };
  };
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('draws the same plan from the same seed, spreading the kills over the operations', () => {
    const schedule = { kills: 20, phases: ['a', 'b', 'c'], delayMs: [1, 5] as const, pauseMs: [0, 2] as const };
    const plan = (seed: number) => new WorkerKiller(spawner().spawn, seededRng(seed), schedule).plan;
    expect(plan(9)).toBe(plan(9));
    expect(plan(9)).toMatch(/^a \d+, b \d+, c \d+$/);
    expect(plan(9).match(/\d+/g)!.map(Number).reduce((x, y) => x + y)).toBe(20);
  });

  it('kills exactly N times: during the operations, the ones an operation outlived moved on, the rest after the last', async () => {
    const { spawn, spawned } = spawner();
    const log: string[] = [];
    const killer = new WorkerKiller(spawn, seededRng(7), { kills: 4, phases: ['long', 'instant'], delayMs: [1, 5], pauseMs: [0, 2] }, (l) => log.push(l));
    // 'long' runs long enough for its kills; 'instant' is over before any of its kills is due.
    expect(await killer.during('long', () => sleep(200).then(() => 'long done'))).toBe('long done');
    expect(await killer.during('instant', async () => 'instant done')).toBe('instant done');
    await killer.finish();
    expect(killer.kills).toHaveLength(4);
    expect(killer.kills.map((k) => k.pid)).toEqual([100, 101, 102, 103]);
    expect(spawned).toHaveLength(5);
    expect(killer.current.pid).toBe(104);
    const longKills = Number(/long (\d+)/.exec(killer.plan)![1]);
    expect(killer.kills.map((k) => k.phase)).toEqual([...Array(longKills).fill('long'), ...Array(4 - longKills).fill('after the operations')]);
    expect(log[0]).toMatch(/^kill 1\/4 during /);
  });

  it('reports a worker that exited by itself', async () => {
    const killer = new WorkerKiller(spawner().spawn, seededRng(1), { kills: 0, phases: ['x'], delayMs: [1, 1], pauseMs: [0, 0] });
    (killer.current as unknown as EventEmitter).emit('exit', 1, null);
    expect(killer.selfExits).toEqual(['worker 100 exited by itself (code 1)']);
  });
});
