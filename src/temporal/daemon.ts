import { mkdirSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { isAlive, spawnDetached, stopProcess, type SpawnSpec } from '../host/processes.js';

/**
 * A background process owned through a pid file: the dev server and the worker started by
 * `fleetflow dev up`. `marker` is a string on its command line that tells our process apart
 * from whatever later reuses its pid.
 */
export class Daemon {
  constructor(
    readonly pidFile: string,
    readonly marker: string,
  ) {}

  async pid(): Promise<number | undefined> {
    try {
      const pid = Number((await readFile(this.pidFile, 'utf8')).trim());
      return (await isAlive(pid, this.marker)) ? pid : undefined;
    } catch {
      return undefined;
    }
  }

  /** Starts the process unless it already runs; returns its pid and whether it was running. */
  async start(spec: SpawnSpec): Promise<{ pid: number; reused: boolean }> {
    const running = await this.pid();
    if (running) return { pid: running, reused: true };
    mkdirSync(dirname(this.pidFile), { recursive: true });
    mkdirSync(dirname(spec.logFile), { recursive: true });
    const pid = spawnDetached(spec);
    await writeFile(this.pidFile, `${pid}\n`);
    return { pid, reused: false };
  }

  async stop(graceMs = 15_000): Promise<boolean> {
    const pid = await this.pid();
    if (pid) await stopProcess(pid, this.marker, graceMs);
    await rm(this.pidFile, { force: true });
    return pid !== undefined;
  }
}
