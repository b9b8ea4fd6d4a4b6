import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Connection, type ConnectionOptions } from '@temporalio/client';
import { tailLog } from '../../host/processes.js';
import { Toolchain } from '../../host/toolchain.js';
import { freePorts } from '../../providers/local/ports.js';
import { Daemon } from '../daemon.js';
import { setupTemporal, type SetupReport } from '../setup.js';
import { LocalPostgres } from './postgres.js';
import { temporalDynamicConfig, temporalServerConfig, type ClusterPorts, type FrontendTls } from './server-config.js';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const DB_USER = 'temporal';
const DATABASES = { persistence: 'temporal', visibility: 'temporal_visibility' } as const;
const PORT_NAMES: readonly (keyof ClusterPorts)[] = [
  'postgres', 'frontend', 'frontendHttp', 'frontendMembership', 'history', 'historyMembership',
  'matching', 'matchingMembership', 'worker', 'workerMembership', 'metrics',
];

export interface LocalClusterOptions {
  /** Holds postgres/, config/, ports.json, temporal.log and temporal.pid. */
  dir: string;
  namespace: string;
  /** Frontend TLS with client certificates required; the files must exist before `up`. */
  tls?: FrontendTls & {
    /** What setup and the readiness check connect with (a client certificate the frontend accepts). */
    client: NonNullable<ConnectionOptions['tls']>;
  };
  /** No fsync: for a test's throwaway cluster. */
  ephemeral?: boolean;
  /** Dynamic config values beside Fleetflow's own (e.g. a test's short versioning drainage intervals). */
  dynamicConfig?: Readonly<Record<string, string | number | boolean>>;
  toolchain?: Toolchain;
  pgBin?: string;
}

/**
 * A Temporal cluster on this machine: the Temporal server (all four services in one process,
 * four history shards) on a PostgreSQL of its own for persistence and SQL advanced visibility,
 * every port on 127.0.0.1. Its data survives `down`; ports are chosen on the first `up` and kept.
 */
export class LocalTemporalCluster {
  readonly logFile: string;
  private readonly daemon: Daemon;
  private readonly configDir: string;
  private readonly configFile: string;
  private readonly toolchain: Toolchain;

  constructor(private readonly opts: LocalClusterOptions) {
    this.logFile = join(opts.dir, 'temporal.log');
    this.configDir = join(opts.dir, 'config');
    this.configFile = join(this.configDir, 'cluster.yaml');
    // The config file is on the server's command line: it tells our server from any other.
    this.daemon = new Daemon(join(opts.dir, 'temporal.pid'), this.configFile);
    this.toolchain = opts.toolchain ?? new Toolchain();
  }

  /** Ports of this cluster: chosen once, then read from ports.json so clients keep their address. */
  async ports(): Promise<ClusterPorts> {
    const file = join(this.opts.dir, 'ports.json');
    try {
      return JSON.parse(await readFile(file, 'utf8')) as ClusterPorts;
    } catch {
      const chosen = await freePorts(PORT_NAMES.length);
      const ports = Object.fromEntries(PORT_NAMES.map((n, i) => [n, chosen[i]!])) as unknown as ClusterPorts;
      mkdirSync(this.opts.dir, { recursive: true });
      await writeFile(file, `${JSON.stringify(ports, null, 2)}\n`);
      return ports;
    }
  }

  async address(): Promise<string> {
    return `127.0.0.1:${(await this.ports()).frontend}`;
  }

  private postgres(ports: ClusterPorts): LocalPostgres {
    return new LocalPostgres({ dir: join(this.opts.dir, 'postgres'), port: ports.postgres, user: DB_USER, ...(this.opts.pgBin ? { pgBin: this.opts.pgBin } : {}), ...(this.opts.ephemeral ? { ephemeral: true } : {}) });
  }

  /** Starts PostgreSQL, brings both schemas to the server's version, starts the server, then runs setup. */
  async up(log: (line: string) => void = () => {}): Promise<{ address: string; setup: SetupReport; reused: boolean }> {
    const ports = await this.ports();
    const pg = this.postgres(ports);
    const t0 = Date.now();
    await pg.start();
    log(`postgres   running on 127.0.0.1:${ports.postgres} (data ${pg.dataDir}, ${Date.now() - t0} ms)`);
    const running = await this.daemon.pid();
    if (!running) {
      const t1 = Date.now();
      await this.migrate(ports);
      log(`schema     ${DATABASES.persistence} and ${DATABASES.visibility} at the server's version (${Date.now() - t1} ms)`);
      await this.writeConfig(ports);
      const server = this.toolchain.temporalServer;
      await this.daemon.start({
        name: 'temporal-server',
        command: server,
        args: ['--config-file', this.configFile, '--allow-no-auth', 'start'],
        logFile: this.logFile,
      });
    }
    const t2 = Date.now();
    await this.waitServing(ports, 90_000);
    const address = await this.address();
    log(`temporal   ${running ? 'already running' : 'started'} on ${address} (${Date.now() - t2} ms; log ${this.logFile})`);
    const setup = await this.withConnection((c) => setupTemporal(c, { namespace: this.opts.namespace, address }));
    return { address, setup, reused: running !== undefined };
  }

  async down(): Promise<{ temporal: boolean; postgres: boolean }> {
    if (!clusterExists(this.opts.dir)) return { temporal: false, postgres: false };
    const temporal = await this.daemon.stop(20_000);
    const postgres = await this.postgres(await this.ports()).stop();
    return { temporal, postgres };
  }

  async status(): Promise<{ address?: string; temporal?: number; postgres?: number; answering: boolean }> {
    if (!clusterExists(this.opts.dir)) return { answering: false };
    const ports = await this.ports();
    const temporal = await this.daemon.pid();
    const postgres = await this.postgres(ports).pid();
    let answering = false;
    if (temporal) {
      try {
        await this.withConnection((c) => c.workflowService.getSystemInfo({}), 2_000);
        answering = true;
      } catch {
        answering = false;
      }
    }
    return { address: await this.address(), ...(temporal ? { temporal } : {}), ...(postgres ? { postgres } : {}), answering };
  }

  /** create-database, setup-schema -v 0.0 and update-schema with the release's versioned folder, for both databases. */
  private async migrate(ports: ClusterPorts): Promise<void> {
    const tool = this.toolchain.temporalSqlTool;
    const schema = this.toolchain.temporalPostgresSchema;
    const common = ['--plugin', 'postgres12', '--endpoint', '127.0.0.1', '--port', String(ports.postgres), '--user', DB_USER];
    /** Runs the tool on `db`; returns false when create-database finds the database already there. */
    const sqlTool = async (db: string, args: string[]): Promise<boolean> => {
      try {
        await run(tool, [...common, '--database', db, ...args], { timeout: 120_000 });
        return true;
      } catch (e) {
        const out = `${(e as { stdout?: string }).stdout ?? ''}${(e as { stderr?: string }).stderr ?? ''}`;
        if (args[0] === 'create-database' && /already exists/.test(out)) return false;
        throw new Error(`temporal-sql-tool ${args[0]} on ${db} failed:\n${out.trim().split('\n').slice(-5).join('\n')}`);
      }
    };
    for (const [db, folder] of [[DATABASES.persistence, 'temporal'], [DATABASES.visibility, 'visibility']] as const) {
      // A new database gets the version table (setup-schema -v 0.0); update-schema then applies every
      // step up to this release's, and on a later `up` only the steps a newer server brought.
      if (await sqlTool(db, ['create-database'])) await sqlTool(db, ['setup-schema', '-v', '0.0']);
      await sqlTool(db, ['update-schema', '-d', join(schema, folder, 'versioned')]);
    }
  }

  private async writeConfig(ports: ClusterPorts): Promise<void> {
    mkdirSync(this.configDir, { recursive: true });
    const dynamicConfigFile = join(this.configDir, 'dynamicconfig.yaml');
    await writeFile(dynamicConfigFile, temporalDynamicConfig(this.opts.dynamicConfig));
    const { tls } = this.opts;
    const frontendTls = tls ? { certFile: tls.certFile, keyFile: tls.keyFile, clientCaFile: tls.clientCaFile, serverCaFile: tls.serverCaFile, serverName: tls.serverName } : undefined;
    await writeFile(
      this.configFile,
      temporalServerConfig({ ports, user: DB_USER, databases: DATABASES, dynamicConfigFile, ...(frontendTls ? { tls: frontendTls } : {}) }),
    );
  }

  private async withConnection<T>(fn: (c: Connection) => Promise<T>, connectTimeout = 5_000): Promise<T> {
    const connection = await Connection.connect({ address: await this.address(), connectTimeout, ...(this.opts.tls ? { tls: this.opts.tls.client } : {}) });
    try {
      return await fn(connection);
    } finally {
      await connection.close();
    }
  }

  /** Waits until the frontend answers and the system namespace is served (the server has joined its ring). */
  private async waitServing(ports: ClusterPorts, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = 'not answering';
    while (Date.now() < deadline) {
      if (!(await this.daemon.pid())) throw new Error(`the Temporal server exited at start; log:\n${await tailLog(this.logFile, 15)}`);
      try {
        await this.withConnection((c) => c.workflowService.describeNamespace({ namespace: 'temporal-system' }), 1_000);
        return;
      } catch (e) {
        last = e instanceof Error ? e.message : String(e);
      }
      await sleep(250);
    }
    throw new Error(`the Temporal server on 127.0.0.1:${ports.frontend} is not serving after ${timeoutMs / 1000} s (${last}); log:\n${await tailLog(this.logFile, 15)}`);
  }
}

/** True when the cluster's data folder exists (a cluster was made there). */
export const clusterExists = (dir: string) => existsSync(join(dir, 'ports.json'));
