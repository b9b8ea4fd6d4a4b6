import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalTemporalCluster } from '../../src/temporal/local-cluster/cluster.js';
import { tlsEnv, writeTemporalTls, type TemporalTlsFiles } from './temporal-certs.js';

export interface TemporalClusterHandle {
  /** The frontend's gRPC address, e.g. 127.0.0.1:23456. */
  address: string;
  namespace: string;
  /** With `tls`: the certificate files and the TEMPORAL_TLS_* variables a client connects with. */
  tls?: { files: TemporalTlsFiles; env: Record<string, string> };
  /** How long PostgreSQL, the schemas, the server and setup took, in ms. */
  startupMs: number;
  /** SIGKILLs the temporal-server process (PostgreSQL stays up) and resolves once it is gone. */
  killServer(): Promise<void>;
  /** Starts the temporal-server again on the same PostgreSQL data and ports; resolves once it serves. */
  restartServer(): Promise<void>;
  /** SIGKILLs PostgreSQL, its postmaster and every backend together (as when its host dies); the server stays up. */
  killPostgres(): Promise<void>;
  /** Starts PostgreSQL again on the same data and port; resolves once the server answers through it. */
  restartPostgres(): Promise<void>;
  /** Stops the server and PostgreSQL and removes the cluster's folder. */
  stop(): Promise<void>;
}

/**
 * A fresh PostgreSQL-backed Temporal cluster (temporal-dev/cluster's code) in a folder of its own,
 * with the namespace set up (search attributes registered). With `tls`, the frontend requires
 * client certificates from a CA generated here.
 */
export async function startTemporalCluster(opts: { tls?: boolean; namespace?: string; dynamicConfig?: Record<string, string> } = {}): Promise<TemporalClusterHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'fleetflow-tcluster-'));
  // PostgreSQL drops root (see postgres.ts) and must be able to enter this folder.
  chmodSync(dir, 0o755);
  const namespace = opts.namespace ?? 'fleetflow';
  const files = opts.tls ? await writeTemporalTls(dir) : undefined;
  const cluster = new LocalTemporalCluster({
    dir: join(dir, 'cluster'),
    namespace,
    ephemeral: true,
    ...(opts.dynamicConfig ? { dynamicConfig: opts.dynamicConfig } : {}),
    ...(files
      ? {
          tls: {
            certFile: files.serverCert,
            keyFile: files.serverKey,
            clientCaFile: files.caCert,
            serverCaFile: files.caCert,
            serverName: files.serverName,
            client: {
              serverNameOverride: files.serverName,
              serverRootCACertificate: readFileSync(files.caCert),
              clientCertPair: { crt: readFileSync(files.clientCert), key: readFileSync(files.clientKey) },
            },
          },
        }
      : {}),
  });
  const stop = async () => {
    try {
      await cluster.down();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  const killServer = async () => {
    const { temporal } = await cluster.status();
    if (!temporal) throw new Error('killServer: the temporal-server is not running');
    await sigkillAndWait([temporal], 'killServer');
  };
  const restartServer = async () => {
    const { reused } = await cluster.up();
    if (reused) throw new Error('restartServer: a temporal-server was already running');
  };
  const killPostgres = async () => {
    const { postgres } = await cluster.status();
    if (!postgres) throw new Error('killPostgres: PostgreSQL is not running');
    await sigkillAndWait([postgres, ...childrenOf(postgres)], 'killPostgres');
  };
  const restartPostgres = async () => {
    // up() starts PostgreSQL, finds the server running, and returns once the server answers and
    // its namespace setup (which reads and writes through PostgreSQL) has succeeded.
    const { reused } = await cluster.up();
    if (!reused) throw new Error('restartPostgres: the temporal-server was not running any more');
  };
  const t0 = Date.now();
  try {
    const { address } = await cluster.up();
    return { address, namespace, startupMs: Date.now() - t0, ...(files ? { tls: { files, env: tlsEnv(files) } } : {}), killServer, restartServer, killPostgres, restartPostgres, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** SIGKILLs `pids` and resolves once none of them runs any more. */
async function sigkillAndWait(pids: number[], who: string): Promise<void> {
  for (const pid of pids) process.kill(pid, 'SIGKILL');
  const deadline = Date.now() + 20_000;
  while (pids.some(isRunning)) {
    if (Date.now() > deadline) throw new Error(`${who}: ${pids.filter(isRunning).join(', ')} still there 20 s after SIGKILL`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The pids whose parent is `pid` (from /proc). */
function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command's closing parenthesis: state, then the parent's pid.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) children.push(Number(entry));
    } catch {
      // The process ended while /proc was read.
    }
  }
  return children;
}

/** Whether `pid` still runs: present in /proc and not a zombie waiting to be reaped. */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}
