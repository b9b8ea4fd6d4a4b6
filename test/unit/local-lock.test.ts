import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { withLock } from '../../src/providers/local/lock.js';
import { processStartTime } from '../../src/host/processes.js';

const dir = mkdtempSync(join(tmpdir(), 'fleetflow-lock-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('withLock', () => {
  it('runs holders one at a time, even inside one process', async () => {
    const file = join(dir, 'serial.lock');
    const log: string[] = [];
    const holder = (id: string) =>
      withLock(file, id, async () => {
        log.push(`${id}+`);
        await sleep(150);
        log.push(`${id}-`);
      });
    await Promise.all([holder('a'), holder('b'), holder('c')]);
    for (let i = 0; i < log.length; i += 2) expect(log[i + 1]).toBe(log[i]!.replace('+', '-'));
  });

  it('steals a lock whose holder has exited', async () => {
    const file = join(dir, 'stale.lock');
    const dead = spawnSync('true').pid!; // a pid that no longer runs
    writeFileSync(file, JSON.stringify({ pid: dead, start: '1', token: 'old' }));
    expect(await withLock(file, 'steal', async () => 'ran', 5_000)).toBe('ran');
  });

  it('waits for a live holder and gives up with a retryable Locked error', async () => {
    const file = join(dir, 'live.lock');
    // Held by this very process (as by another activity attempt in the same worker).
    writeFileSync(file, JSON.stringify({ pid: process.pid, start: await processStartTime(process.pid), token: 'other' }));
    await expect(withLock(file, 'create cluster x', async () => 'ran', 500)).rejects.toMatchObject({ type: 'Locked', retryable: true });
  });
});
