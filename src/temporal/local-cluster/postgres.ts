import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { tailLog } from '../../host/processes.js';
import { Daemon } from '../daemon.js';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** PostgreSQL 15 as Debian installs it (the machine image has it; otherwise `apt-get install postgresql-15`). */
export const DEFAULT_PG_BIN = '/usr/lib/postgresql/15/bin';

export interface PostgresOptions {
  /** Holds data/ (the cluster), postgres.log and postgres.pid. */
  dir: string;
  port: number;
  /** The role that owns everything; trusted on loopback, so it has no password. */
  user: string;
  pgBin?: string;
  /**
   * Skip fsync: for throwaway test clusters, whose data is gone after the test anyway. Commits
   * stay synchronous: fsync off survives PostgreSQL's processes dying (the kernel still has the
   * writes), an asynchronous commit does not (it sits in shared memory), and Temporal then finds
   * its records older than what it served (a database-kill test lost commits that way).
   */
  ephemeral?: boolean;
}

/** The account PostgreSQL runs as when we are root (it refuses to run as root). */
interface RunAs {
  uid: number;
  gid: number;
  name: string;
}

/**
 * Whom PostgreSQL runs as. As an ordinary user: that user. As root (containers, CI): the
 * image's `postgres` account, else `nobody`, entered with setpriv, so no system service and
 * no new account are needed.
 */
function runAs(): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const passwd = readFileSync('/etc/passwd', 'utf8').split('\n').map((l) => l.split(':'));
  const entry = passwd.find((f) => f[0] === 'postgres') ?? passwd.find((f) => f[0] === 'nobody');
  if (!entry) throw new Error('running as root, and neither a postgres nor a nobody account exists for PostgreSQL to run as');
  return { name: entry[0]!, uid: Number(entry[2]), gid: Number(entry[3]) };
}

/** A PostgreSQL server in a folder of its own on a loopback port; no system service. */
export class LocalPostgres {
  readonly dataDir: string;
  readonly logFile: string;
  private readonly daemon: Daemon;
  private readonly bin: string;
  private readonly as = runAs();

  constructor(private readonly opts: PostgresOptions) {
    this.dataDir = join(opts.dir, 'data');
    this.logFile = join(opts.dir, 'postgres.log');
    this.bin = opts.pgBin ?? DEFAULT_PG_BIN;
    // The data folder is on postgres's command line: it tells our server from any other.
    this.daemon = new Daemon(join(opts.dir, 'postgres.pid'), this.dataDir);
  }

  /** Command and arguments, wrapped in setpriv when PostgreSQL must drop root. */
  private command(tool: string, args: string[]): [string, string[]] {
    const path = join(this.bin, tool);
    if (!existsSync(path)) throw new Error(`${path} is missing: install PostgreSQL 15 (Debian: apt-get install postgresql-15) or set FLEETFLOW_PG_BIN`);
    if (!this.as) return [path, args];
    return ['setpriv', [`--reuid=${this.as.uid}`, `--regid=${this.as.gid}`, '--clear-groups', '--', path, ...args]];
  }

  /** Creates the cluster on first use; returns whether it did. */
  async init(): Promise<boolean> {
    if (existsSync(join(this.dataDir, 'PG_VERSION'))) return false;
    // Folders above the data folder stay enterable (0755): a setpriv'd PostgreSQL walks through them.
    mkdirSync(this.opts.dir, { recursive: true, mode: 0o755 });
    mkdirSync(this.dataDir, { mode: 0o700 });
    if (this.as) {
      chownSync(this.dataDir, this.as.uid, this.as.gid);
      this.checkReachable();
    }
    const [cmd, args] = this.command('initdb', ['-D', this.dataDir, '-U', this.opts.user, '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync', '--no-instructions']);
    try {
      await run(cmd, args, { timeout: 120_000 });
    } catch (e) {
      throw new Error(`initdb of ${this.dataDir} failed: ${(e as { stderr?: string }).stderr?.trim() || (e as Error).message}`);
    }
    return true;
  }

  /** setpriv'd PostgreSQL must be able to walk down to its folder: say which folder stops it. */
  private checkReachable(): void {
    for (let d = dirname(this.dataDir); d !== dirname(d); d = dirname(d)) {
      if ((statSync(d).mode & 0o001) === 0) {
        throw new Error(`PostgreSQL runs as ${this.as!.name} (it refuses root) and cannot enter ${d}: chmod o+x it or put the cluster's data elsewhere (FLEETFLOW_DATA)`);
      }
    }
  }

  /** Starts the server (initialising it first) and waits until it accepts connections. */
  async start(): Promise<{ pid: number; reused: boolean }> {
    await this.init();
    const settings = [
      `listen_addresses=127.0.0.1`,
      // TCP only: no socket file to place where the unprivileged account may write.
      'unix_socket_directories=',
      // Four Temporal services, each with a pool per database.
      'max_connections=200',
      ...(this.opts.ephemeral ? ['fsync=off', 'full_page_writes=off'] : []),
    ].flatMap((s) => ['-c', s]);
    const [cmd, args] = this.command('postgres', ['-D', this.dataDir, '-p', String(this.opts.port), ...settings]);
    const started = await this.daemon.start({ name: 'postgres', command: cmd, args, logFile: this.logFile });
    await this.waitReady(started.reused ? 10_000 : 60_000);
    return started;
  }

  async stop(): Promise<boolean> {
    return this.daemon.stop();
  }

  async pid(): Promise<number | undefined> {
    return this.daemon.pid();
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const isready = join(this.bin, 'pg_isready');
    while (Date.now() < deadline) {
      try {
        await run(isready, ['-h', '127.0.0.1', '-p', String(this.opts.port), '-U', this.opts.user, '-d', 'postgres', '-t', '1']);
        return;
      } catch {
        if (!(await this.daemon.pid())) break;
      }
      await sleep(100);
    }
    throw new Error(`PostgreSQL on 127.0.0.1:${this.opts.port} did not start; log:\n${await tailLog(this.logFile, 10)}`);
  }
}
