import { spawn } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { open, readFile, readdir } from 'node:fs/promises';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The kernel's start time of `pid` (field 22 of /proc/<pid>/stat, clock ticks since boot), or
 * undefined when there is no such process. Together with the pid it names one process for
 * good: a reused pid has a later start time.
 */
export async function processStartTime(pid: number): Promise<string | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: split after it.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19];
  } catch {
    return undefined;
  }
}

/**
 * True when `pid` is running and its command line (arguments joined by NUL, each followed by
 * one) contains `marker`, e.g. the cluster's folder. A zombie has an empty cmdline and a
 * reused pid runs some other command, so both count as dead, which is what a restart
 * decision needs. End a marker with "\0" to match a whole argument's tail.
 */
export async function isAlive(pid: number | undefined, marker: string): Promise<boolean> {
  if (!pid || pid <= 0) return false;
  try {
    return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).includes(marker);
  } catch {
    return false;
  }
}

/**
 * Every running process whose command line contains `marker` (see isAlive). Catches processes whose pid never
 * reached state.json (a worker killed between spawn and write), so they are adopted or
 * stopped rather than duplicated.
 */
export async function findProcesses(marker: string): Promise<number[]> {
  const entries = await readdir('/proc').catch(() => [] as string[]);
  const pids = entries.filter((e) => /^\d+$/.test(e)).map(Number);
  const hits = await Promise.all(pids.map(async (pid) => ((await isAlive(pid, marker)) ? pid : 0)));
  return hits.filter((pid) => pid > 0);
}

export interface SpawnSpec {
  /** Short name for the log header, e.g. "etcd". */
  name: string;
  command: string;
  args: string[];
  /** Appended to, across restarts, so earlier failures stay readable. */
  logFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/**
 * Starts a process that outlives us: its own session (detached), output to a log file rather
 * than pipes (a pipe would break when the worker dies), and unref'd so the worker can exit.
 * Returns its pid.
 */
export function spawnDetached(spec: SpawnSpec): number {
  const fd = openSync(spec.logFile, 'a', 0o600);
  try {
    writeSync(fd, `\n--- ${new Date().toISOString()} starting ${spec.name}: ${spec.command} ${spec.args.join(' ')}\n`);
    const child = spawn(spec.command, spec.args, {
      detached: true,
      stdio: ['ignore', fd, fd],
      env: spec.env ?? process.env,
      cwd: spec.cwd,
    });
    // spawn reports ENOENT/EACCES asynchronously; without a listener it would crash the worker.
    child.on('error', (e) => {
      try {
        const efd = openSync(spec.logFile, 'a');
        writeSync(efd, `--- spawn failed: ${e.message}\n`);
        closeSync(efd);
      } catch {
        /* the log folder is gone: the cluster is being deleted */
      }
    });
    child.unref();
    if (!child.pid) throw new Error(`could not start ${spec.name} (${spec.command})`);
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* already gone */
  }
}

/**
 * True once `pid` (started at `start`) has fully exited: no such process, a zombie, or a pid
 * reused by a later process. Not "cmdline is empty": a dying process loses its cmdline before
 * it closes its files, so its listening ports are still taken at that point.
 */
async function exited(pid: number, start: string | undefined): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  if (!stat) return true;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[0] === 'Z' || fields[0] === 'X' || (start !== undefined && fields[19] !== start);
}

async function waitExited(pid: number, start: string | undefined, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await exited(pid, start)) return true;
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
}

/**
 * Stops `pid` if it is still this cluster's process: SIGTERM, then SIGKILL after `graceMs`,
 * and waits until it has fully exited (its ports free). Never signals a pid whose cmdline
 * lacks `marker`.
 */
export async function stopProcess(pid: number | undefined, marker: string, graceMs = 10_000): Promise<void> {
  if (!pid || !(await isAlive(pid, marker))) return;
  const start = await processStartTime(pid);
  signal(pid, 'SIGTERM');
  if (await waitExited(pid, start, graceMs)) return;
  signal(pid, 'SIGKILL');
  if (!(await waitExited(pid, start, 10_000))) throw new Error(`pid ${pid} did not exit after SIGKILL`);
}

/** The last `lines` lines of a log file (read from its last 16 KB), for a status message. */
export async function tailLog(file: string, lines = 5): Promise<string> {
  try {
    const fh = await open(file, 'r');
    try {
      const { size } = await fh.stat();
      const length = Math.min(size, 16_384);
      const buf = Buffer.alloc(length);
      await fh.read(buf, 0, length, size - length);
      return buf.toString('utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } finally {
      await fh.close();
    }
  } catch {
    return '';
  }
}
