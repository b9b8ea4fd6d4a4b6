import { randomBytes } from 'node:crypto';
import { open, readFile, stat, unlink } from 'node:fs/promises';
import { TransientError } from '../../errors.js';
import { processStartTime } from '../../host/processes.js';

/** Who holds a lock: pid plus its start time, since a pid alone may be reused after a crash. */
interface Holder {
  pid: number;
  start: string;
  token: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function readHolder(file: string): Promise<Holder | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Holder;
  } catch {
    // Missing, or caught between create and write: treat as unknown and look again.
    return undefined;
  }
}

async function holderAlive(h: Holder): Promise<boolean> {
  return (await processStartTime(h.pid)) === h.start;
}

async function tryCreate(file: string, holder: Holder): Promise<boolean> {
  try {
    const fh = await open(file, 'wx', 0o600);
    try {
      await fh.writeFile(JSON.stringify(holder));
    } finally {
      await fh.close();
    }
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
}

/**
 * Removes `file` if its holder is dead. Stealing is itself guarded by a second O_EXCL file,
 * so two waiters cannot both decide the lock is stale and the slower one delete the lock the
 * faster one has just taken. A guard left by a crash is ignored after 10 s.
 */
async function stealIfStale(file: string): Promise<void> {
  const holder = await readHolder(file);
  if (!holder) {
    // An empty lock file older than a few seconds is the remains of a crash during tryCreate.
    const age = await stat(file).then((s) => Date.now() - s.mtimeMs, () => 0);
    if (age < 5_000) return;
  } else if (await holderAlive(holder)) {
    return;
  }
  const guard = `${file}.steal`;
  const me: Holder = { pid: process.pid, start: (await processStartTime(process.pid)) ?? '', token: randomBytes(8).toString('hex') };
  if (!(await tryCreate(guard, me))) {
    const age = await stat(guard).then((s) => Date.now() - s.mtimeMs, () => 0);
    if (age > 10_000) await unlink(guard).catch(() => {});
    return;
  }
  try {
    const again = await readHolder(file);
    if (again?.token === holder?.token) await unlink(file).catch(() => {});
  } finally {
    await unlink(guard).catch(() => {});
  }
}

/**
 * Runs `fn` holding an exclusive lock file (O_EXCL create, holder pid inside). Waits while a
 * live holder has it, steals it from a dead one. Works across processes and inside one (two
 * activity attempts in the same worker wait for each other).
 */
export async function withLock<T>(file: string, what: string, fn: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
  const me: Holder = { pid: process.pid, start: (await processStartTime(process.pid)) ?? '', token: randomBytes(8).toString('hex') };
  const deadline = Date.now() + timeoutMs;
  while (!(await tryCreate(file, me))) {
    if (Date.now() > deadline) {
      const h = await readHolder(file);
      throw new TransientError(`${what}: lock ${file} is still held by pid ${h?.pid ?? '?'} after ${timeoutMs} ms`, 'Locked');
    }
    await stealIfStale(file);
    await sleep(100);
  }
  try {
    return await fn();
  } finally {
    // Only remove our own lock: if it was (wrongly) stolen, the file is someone else's now.
    if ((await readHolder(file))?.token === me.token) await unlink(file).catch(() => {});
  }
}
