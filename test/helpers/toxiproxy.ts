import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePorts } from '../../src/providers/local/ports.js';
import { repoDir, toolsDir } from '../../src/host/toolchain.js';

/** A Toxiproxy proxy as its HTTP API describes it. */
export interface Proxy {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean;
}

/** A toxic (https://github.com/Shopify/toxiproxy#toxics): latency, bandwidth, reset_peer, limit_data, timeout... */
export interface Toxic {
  name?: string;
  type: 'latency' | 'bandwidth' | 'slow_close' | 'timeout' | 'reset_peer' | 'slicer' | 'limit_data';
  /** downstream (server to client, the default) or upstream (client to server). */
  stream?: 'upstream' | 'downstream';
  toxicity?: number;
  attributes: Record<string, number>;
}

/** The toxiproxy-server of the pinned version in the tools cache (temporal-dev/build-toxiproxy.sh). */
export function toxiproxyServerPath(): string {
  const version = /^TOXIPROXY_VERSION=(\S+)$/m.exec(readFileSync(join(repoDir, 'temporal-dev', 'versions.env'), 'utf8'))?.[1];
  if (!version) throw new Error('temporal-dev/versions.env: TOXIPROXY_VERSION is not set');
  return join(toolsDir(), 'toxiproxy', version, 'toxiproxy-server');
}

/**
 * A toxiproxy-server on a free loopback port, driven through its HTTP API. Proxies listen on
 * 127.0.0.1 too. `stop` kills the server (and with it every proxy).
 */
export class Toxiproxy {
  private constructor(
    private readonly child: ChildProcess,
    readonly apiUrl: string,
  ) {}

  static async start(): Promise<Toxiproxy> {
    const [port] = await freePorts(1);
    const child = spawn(toxiproxyServerPath(), ['-host', '127.0.0.1', '-port', String(port)], { stdio: 'ignore' });
    const tp = new Toxiproxy(child, `http://127.0.0.1:${port}`);
    const deadline = Date.now() + 15_000;
    for (;;) {
      try {
        await tp.call('GET', '/version');
        return tp;
      } catch (e) {
        if (child.exitCode !== null || Date.now() > deadline) {
          child.kill('SIGKILL');
          throw new Error(`toxiproxy-server did not answer on ${tp.apiUrl}: ${e instanceof Error ? e.message : String(e)}`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  /** A proxy from a free loopback port to `upstream` ("127.0.0.1:6443"). */
  async createProxy(name: string, upstream: string): Promise<Proxy> {
    const [port] = await freePorts(1);
    return (await this.call('POST', '/proxies', { name, listen: `127.0.0.1:${port}`, upstream, enabled: true })) as Proxy;
  }

  /** Disabled, a proxy closes its connections and refuses new ones: the cluster is cut off. */
  async setEnabled(proxy: string, enabled: boolean): Promise<void> {
    await this.call('POST', `/proxies/${proxy}`, { enabled });
  }

  async addToxic(proxy: string, toxic: Toxic): Promise<Toxic> {
    return (await this.call('POST', `/proxies/${proxy}/toxics`, { stream: 'downstream', toxicity: 1, ...toxic })) as Toxic;
  }

  async removeToxic(proxy: string, toxic: string): Promise<void> {
    await this.call('DELETE', `/proxies/${proxy}/toxics/${toxic}`);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGKILL');
    await exited;
  }

  private async call(method: string, path: string, body?: object): Promise<unknown> {
    const res = await fetch(`${this.apiUrl}${path}`, {
      method,
      ...(body ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
      signal: AbortSignal.timeout(5_000),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`toxiproxy ${method} ${path}: ${res.status} ${text}`);
    return text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text;
  }
}
