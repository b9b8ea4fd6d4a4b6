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

/** Provider calls a test can hold at a gate, and the cluster each one acts on. */
const HOLDABLE = {
  create: (args: unknown[]) => (args[0] as Parameters<ClusterProvider['create']>[0]).name,
  upgradeControlPlane: (args: unknown[]) => (args[0] as Parameters<ClusterProvider['upgradeControlPlane']>[0]).name,
} as const;
export type HoldableCall = keyof typeof HOLDABLE;

/** `name` as a holdable call; throws naming the ones there are. */
export function holdableCall(name: string): HoldableCall {
  if (!Object.hasOwn(HOLDABLE, name)) throw new Error(`no provider call ${name} can be held (${Object.keys(HOLDABLE).join(', ')})`);
  return name as HoldableCall;
}

/**
 * The provider, except that `call` does its work and then holds at the gate `gateOf` gives for
 * the cluster it acts on (none: it answers at once): the change is made, and the activity that
 * asked has not completed.
 */
export function holdingAfter(provider: ClusterProvider, call: HoldableCall, gateOf: (cluster: string) => Pick<Gate, 'pass'> | undefined): ClusterProvider {
  return new Proxy(provider, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (prop !== call || typeof value !== 'function') return typeof value === 'function' ? value.bind(target) : value;
      return async (...args: unknown[]) => {
        const done = (await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args)) as unknown;
        await gateOf(HOLDABLE[call](args))?.pass();
        return done;
      };
    },
  });
}

/** The provider, except that `create` holds at `gate` after creating: the control plane exists, and the activity that asked has not completed. */
export function holdingAfterCreate(provider: ClusterProvider, gate: Pick<Gate, 'pass'>): ClusterProvider {
  return holdingAfter(provider, 'create', () => gate);
}
