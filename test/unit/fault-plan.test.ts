import { describe, expect, it } from 'vitest';
import { FaultPlan } from '../fakes/fault-plan.js';

describe('the fault plan', () => {
  it('injects faults into about the configured share of requests, every kind among them', () => {
    const plan = new FaultPlan({ rate: 0.3, seed: 7 });
    for (let i = 0; i < 10_000; i++) plan.next();
    expect(plan.injected / 10_000).toBeGreaterThan(0.28);
    expect(plan.injected / 10_000).toBeLessThan(0.32);
    for (const kind of ['throttle', 'error', 'delay', 'drop'] as const) expect(plan.counts[kind]).toBeGreaterThan(500);
  });

  it('gives the same sequence for the same seed and another for another seed', () => {
    const run = (seed: number) => {
      const plan = new FaultPlan({ rate: 0.5, seed });
      return Array.from({ length: 50 }, () => JSON.stringify(plan.next()));
    };
    expect(run(1)).toEqual(run(1));
    expect(run(1)).not.toEqual(run(2));
  });

  it('injects nothing at rate 0 and only the weighted kinds', () => {
    const none = new FaultPlan({ rate: 0 });
    for (let i = 0; i < 100; i++) expect(none.next()).toEqual({ kind: 'none' });
    const drops = new FaultPlan({ rate: 1, weights: { throttle: 0, error: 0, delay: 0 } });
    for (let i = 0; i < 100; i++) expect(drops.next().kind).toBe('drop');
  });

  it('refuses a rate outside 0..1', () => {
    expect(() => new FaultPlan({ rate: 1.5 })).toThrow('fault rate must be within 0..1, not 1.5');
  });
});
