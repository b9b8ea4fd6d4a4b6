import { describe, expect, it } from 'vitest';
import { lazyProvider } from '../../src/providers/lazy.js';
import type { ClusterProvider } from '../../src/providers/types.js';

const ref = { name: 'c1', region: 'eu-west-1' };
const described = { id: 'arn:c1', status: 'Running' } as unknown as Awaited<ReturnType<ClusterProvider['describe']>>;

describe('lazyProvider (EKS and GKE modules imported on first use)', () => {
  it('loads nothing until a call, then loads once and forwards every call with its arguments', async () => {
    const calls: unknown[][] = [];
    let loads = 0;
    const p = lazyProvider('eks', async () => {
      loads++;
      return { describe: async (...a: unknown[]) => (calls.push(a), described) } as unknown as ClusterProvider;
    });
    expect(p.name).toBe('eks');
    expect(loads).toBe(0);
    await expect(p.describe(ref)).resolves.toBe(described);
    await p.describe(ref);
    expect(loads).toBe(1);
    expect(calls).toEqual([[ref], [ref]]);
  });

  it('gives a failed load (a bad account) to the call, and loads again on the next call', async () => {
    let loads = 0;
    const p = lazyProvider('gke', async () => {
      loads++;
      if (loads === 1) throw new Error('gke account prod: project is required');
      return { describe: async () => described } as unknown as ClusterProvider;
    });
    await expect(p.describe(ref)).rejects.toThrow('gke account prod: project is required');
    await expect(p.describe(ref)).resolves.toBe(described);
    expect(loads).toBe(2);
  });
});
