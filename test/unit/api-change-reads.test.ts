import { describe, expect, it } from 'vitest';
import { ChangeReads } from '../../src/api/change-reads.js';
import type { ChangeRecord } from '../../src/temporal/changes.js';

/** A Temporal stand-in that answers each read with the next version of the change and counts reads. */
function changeSource(opts: { recorded?: boolean; missing?: boolean } = {}) {
  let version = 0;
  const pending: (() => void)[] = [];
  const source = {
    reads: 0,
    held: false,
    read: async (): Promise<ChangeRecord | undefined> => {
      source.reads++;
      const mine = ++version;
      if (source.held) await new Promise<void>((r) => pending.push(r));
      if (opts.missing) return undefined;
      return { view: { id: `v${mine}` } as ChangeRecord['view'], memo: undefined, status: 'RUNNING', runId: 'r', ...(opts.recorded ? { recorded: true as const } : {}) };
    },
    release: () => pending.splice(0).forEach((r) => r()),
  };
  return source;
}

describe('ChangeReads', () => {
  it('answers reads within the fresh time from one read, and reads again after it', async () => {
    let now = 0;
    const src = changeSource();
    const reads = new ChangeReads(src.read, 1000, () => now);
    expect((await reads.read('c'))?.view.id).toBe('v1');
    now = 400;
    expect((await reads.read('c'))?.view.id).toBe('v1');
    expect(src.reads).toBe(1);
    now = 1000;
    expect((await reads.read('c'))?.view.id).toBe('v2');
    expect(src.reads).toBe(2);
  });

  it('past half the fresh time, answers from memory and refreshes in the background once', async () => {
    let now = 0;
    const src = changeSource();
    const reads = new ChangeReads(src.read, 1000, () => now);
    await reads.read('c');
    now = 600;
    src.held = true;
    expect((await reads.read('c'))?.view.id).toBe('v1');
    expect((await reads.read('c'))?.view.id).toBe('v1');
    expect(src.reads).toBe(2);
    src.release();
    await new Promise((r) => setImmediate(r));
    expect((await reads.read('c'))?.view.id).toBe('v2');
  });

  it('a fresh read (after an action) is what later reads see', async () => {
    let now = 0;
    const src = changeSource();
    const reads = new ChangeReads(src.read, 1000, () => now);
    await reads.read('c');
    now = 10;
    expect((await reads.fresh('c'))?.view.id).toBe('v2');
    expect((await reads.read('c'))?.view.id).toBe('v2');
    expect(src.reads).toBe(2);
  });

  it.each([
    ['an answer rebuilt from the start record', { recorded: true }],
    ['no such change', { missing: true }],
  ])('never keeps %s', async (_, opts) => {
    const src = changeSource(opts);
    const reads = new ChangeReads(src.read, 1000, () => 0);
    await reads.read('c');
    await reads.read('c');
    expect(src.reads).toBe(2);
  });

  it('with 0, asks every time', async () => {
    const src = changeSource();
    const reads = new ChangeReads(src.read, 0, () => 0);
    await reads.read('c');
    await reads.read('c');
    expect(src.reads).toBe(2);
  });
});
