import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { tailLog } from '../host/processes.js';
import { Toolchain } from '../host/toolchain.js';
import { Daemon } from './daemon.js';
import { setupTemporal, type SetupReport } from './setup.js';

export interface DevServerOptions {
  /** Holds temporal/temporal.db (persistent), logs/ and run/. */
  dataDir: string;
  namespace: string;
  ip?: string;
  port?: number;
  uiPort?: number;
  /**
   * The codec server the web UI decodes payloads with (`--ui-codec-endpoint`), e.g.
   * http://127.0.0.1:8080/codec: the UI's browser code POSTs to its /decode and /encode.
   */
  codecEndpoint?: string;
  toolchain?: Toolchain;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The Temporal CLI's dev server with a persistent SQLite file, Fleetflow's namespace and search attributes. */
export class DevServer {
  readonly ip: string;
  readonly port: number;
  readonly uiPort: number;
  readonly dbFile: string;
  readonly logFile: string;
  private readonly daemon: Daemon;

  constructor(private readonly opts: DevServerOptions) {
    this.ip = opts.ip ?? '127.0.0.1';
    this.port = opts.port ?? 7233;
    this.uiPort = opts.uiPort ?? 8233;
    this.dbFile = join(opts.dataDir, 'temporal', 'temporal.db');
    this.logFile = join(opts.dataDir, 'logs', 'temporal.log');
    this.daemon = new Daemon(join(opts.dataDir, 'run', 'temporal.pid'), this.dbFile);
  }

  get address(): string {
    return `${this.ip}:${this.port}`;
  }
  /** The UI's origin, as its browser pages send it (what the codec server's CORS must allow). */
  get uiOrigin(): string {
    return `http://${this.ip}:${this.uiPort}`;
  }
  get uiUrl(): string {
    return `http://${this.ip}:${this.uiPort}/namespaces/${this.opts.namespace}/workflows`;
  }

  /**
   * Starts the server, or reuses the one already answering on the address; either way the
   * namespace's search attributes are then registered by `fleetflow setup`'s code.
   */
  async start(): Promise<{ pid?: number; reused: boolean; setup: SetupReport }> {
    const ours = await this.daemon.pid();
    if (ours || (await this.answers())) {
      await this.waitReady();
      return { ...(ours ? { pid: ours } : {}), reused: true, setup: await this.setup() };
    }
    mkdirSync(join(this.opts.dataDir, 'temporal'), { recursive: true });
    const temporal = (this.opts.toolchain ?? new Toolchain()).temporal;
    const args = [
      'server', 'start-dev',
      '--ip', this.ip, '--port', String(this.port), '--ui-port', String(this.uiPort),
      '--db-filename', this.dbFile,
      '--namespace', this.opts.namespace,
      '--log-level', 'warn',
      // The UI's news feed is fetched from the internet by the browser: nothing to fetch here.
      '--ui-disable-news-fetch',
      ...(this.opts.codecEndpoint ? ['--ui-codec-endpoint', this.opts.codecEndpoint] : []),
    ];
    const { pid } = await this.daemon.start({ name: 'temporal', command: temporal, args, logFile: this.logFile });
    await this.waitReady(60_000, true);
    return { pid, reused: false, setup: await this.setup() };
  }

  private async setup(): Promise<SetupReport> {
    const connection = await Connection.connect({ address: this.address });
    try {
      return await setupTemporal(connection, { namespace: this.opts.namespace, address: this.address });
    } finally {
      await connection.close();
    }
  }

  async stop(): Promise<boolean> {
    return this.daemon.stop();
  }

  async status(): Promise<{ pid?: number; answering: boolean }> {
    const pid = await this.daemon.pid();
    return { ...(pid ? { pid } : {}), answering: await this.answers() };
  }

  private async answers(): Promise<boolean> {
    try {
      const connection = await Connection.connect({ address: this.address, connectTimeout: 1_000 });
      try {
        await connection.workflowService.getSystemInfo({});
        return true;
      } finally {
        await connection.close();
      }
    } catch {
      return false;
    }
  }

  /** Waits until the server answers and the namespace exists (it is created on first start). */
  async waitReady(timeoutMs = 60_000, ours = false): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = 'not answering';
    while (Date.now() < deadline) {
      if (ours && !(await this.daemon.pid())) {
        throw new Error(`Temporal dev server on ${this.address} exited at start; log:\n${await tailLog(this.logFile, 10)}`);
      }
      try {
        const connection = await Connection.connect({ address: this.address, connectTimeout: 1_000 });
        try {
          await connection.workflowService.describeNamespace({ namespace: this.opts.namespace });
          return;
        } finally {
          await connection.close();
        }
      } catch (e) {
        last = e instanceof Error ? e.message : String(e);
      }
      await sleep(300);
    }
    throw new Error(`Temporal dev server on ${this.address} not ready after ${timeoutMs / 1000} s (${last}); log:\n${await tailLog(this.logFile, 10)}`);
  }
}
