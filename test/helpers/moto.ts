import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts } from '../../src/providers/local/ports.js';
import { repoDir, toolsDir } from '../../src/host/toolchain.js';

/**
 * moto_server to use: MOTO_SERVER, else the tools cache's venv (temporal-dev/install puts it
 * there when the machine has none), else the one on PATH.
 */
export function motoServerPath(): string {
  if (process.env.MOTO_SERVER) return process.env.MOTO_SERVER;
  const version = /^MOTO_VERSION="?([^"\s#]+)/m.exec(readFileSync(join(repoDir, 'temporal-dev', 'versions.env'), 'utf8'))?.[1];
  const cached = version ? join(toolsDir(), 'moto', version, 'bin', 'moto_server') : undefined;
  if (cached && existsSync(join(cached, '..', '..', '.complete'))) return cached;
  const found = spawnSync('sh', ['-c', 'command -v moto_server'], { encoding: 'utf8' }).stdout.trim();
  if (!found) throw new Error('moto_server not found: run temporal-dev/install (it installs moto[server] into the tools cache)');
  return found;
}

/** A moto server (AWS API emulator) on a free 127.0.0.1 port; stop() ends it. */
export class Moto {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    readonly logFile: string,
  ) {}

  static async start(): Promise<Moto> {
    const [port] = (await freePorts(1)) as [number];
    const logFile = join(mkdtempSync(join(tmpdir(), 'fleetflow-moto-')), 'moto.log');
    const child = spawn(motoServerPath(), ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const log = createWriteStream(logFile);
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    const moto = new Moto(child, `http://127.0.0.1:${port}`, logFile);
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`moto_server exited with ${child.exitCode} at start; see ${logFile}`);
      const ok = await fetch(`${moto.url}/moto-api/`).then((r) => r.ok, () => false);
      if (ok) return moto;
      if (Date.now() > deadline) {
        await moto.stop();
        throw new Error(`moto_server not ready after 30 s; see ${logFile}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Forgets every resource (between tests). */
  async reset(): Promise<void> {
    await fetch(`${this.url}/moto-api/reset`, { method: 'POST' });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
}
