import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClusterProvider } from '../../src/providers/types.js';

/**
 * A moment a test controls. The code under test calls `pass()`: that records it got there and
 * waits until the test calls `open()`. The test awaits `reached()` instead of polling for a
 * state that may come and go before a poll sees it.
 */
export interface Gate {
  pass(): Promise<void>;
  reached(): Promise<void>;
  open(): Promise<void>;
}

/** A gate in this process. */
export function memoryGate(): Gate {
  let arrive!: () => void;
  let release!: () => void;
  const arrived = new Promise<void>((r) => (arrive = r));
  const opened = new Promise<void>((r) => (release = r));
  return {
    async pass() {
      arrive();
      await opened;
    },
    reached: () => arrived,
    async open() {
      release();
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(file: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(file)) {
    if (Date.now() > deadline) throw new Error(`gate: ${file} did not appear within ${timeoutMs} ms`);
    await sleep(50);
  }
}

/**
 * A gate across processes, as two files in `dir`: `reached` written by the code under test
 * (e.g. a worker process the test will SIGKILL), `open` written by the test. A file, once
 * written, stays: waiting for it cannot miss the moment.
 */
export function fileGate(dir: string, timeoutMs = 180_000): Gate {
  return {
    async pass() {
      await writeFile(join(dir, 'reached'), String(process.pid));
      await until(join(dir, 'open'), timeoutMs);
    },
    reached: () => until(join(dir, 'reached'), timeoutMs),
    async open() {
      await writeFile(join(dir, 'open'), '');
    },
  };
}

/**
 * The provider, except that `create` does its work and then holds at `gate` before answering:
 * the control plane exists, and the activity that asked has not completed.
 */
export function holdingAfterCreate(provider: ClusterProvider, gate: Pick<Gate, 'pass'>): ClusterProvider {
  return new Proxy(provider, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (prop !== 'create' || typeof value !== 'function') return typeof value === 'function' ? value.bind(target) : value;
      return async (...args: Parameters<ClusterProvider['create']>) => {
        const created = await target.create(...args);
        await gate.pass();
        return created;
      };
    },
  });
}
