import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Fault, FaultPlan, type FaultPlanOptions } from './fault-plan.js';

/** A fault for requests that match, for a number of times (e.g. hold the first CreateCluster). */
export interface FaultRule {
  match: (req: { method: string; path: string }) => boolean;
  fault: Fault;
  times: number;
}

export interface FaultProxyOptions {
  /** Upstream base URL, e.g. http://127.0.0.1:5000 (the EKS fake or moto). */
  target: string;
  /** Random faults; none when absent. */
  plan?: FaultPlan | FaultPlanOptions;
  /** Targeted faults, checked before the random plan. */
  rules?: FaultRule[];
}

/** One request the proxy saw and what it did to it. */
export interface ProxiedRequest {
  method: string;
  path: string;
  fault: Fault['kind'];
}

/**
 * An HTTP/1.1 reverse proxy on 127.0.0.1 that injects faults into a configurable share of
 * requests: AWS-shaped 429 ThrottlingException, 500/503, delays, responses held past the
 * client's timeout, and connections destroyed before or after the upstream did the work.
 * Stop it with close().
 */
export class FaultProxy {
  readonly log: ProxiedRequest[] = [];
  readonly plan: FaultPlan;
  private readonly rules: FaultRule[];

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly target: URL,
    opts: FaultProxyOptions,
  ) {
    this.plan = opts.plan instanceof FaultPlan ? opts.plan : new FaultPlan(opts.plan ?? { rate: 0 });
    this.rules = opts.rules ?? [];
  }

  static async start(opts: FaultProxyOptions): Promise<FaultProxy> {
    let proxy: FaultProxy | undefined;
    const server = createServer((req, res) => void proxy!.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    proxy = new FaultProxy(server, `http://127.0.0.1:${port}`, new URL(opts.target), opts);
    return proxy;
  }

  /** Adds a targeted fault (checked before the random plan). */
  addRule(rule: FaultRule): void {
    this.rules.push(rule);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private decide(method: string, path: string): Fault {
    const rule = this.rules.find((r) => r.times > 0 && r.match({ method, path }));
    if (rule) {
      rule.times--;
      return rule.fault;
    }
    return this.plan.next();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const fault = this.decide(method, path);
    this.log.push({ method, path, fault: fault.kind });
    switch (fault.kind) {
      case 'throttle':
        return awsError(res, 429, 'ThrottlingException', 'Rate exceeded (injected)');
      case 'error':
        return awsError(res, fault.status, fault.status === 500 ? 'ServerException' : 'ServiceUnavailableException', `injected ${fault.status}`);
      case 'drop':
        if (fault.when === 'before') return void req.socket.destroy();
        break;
      case 'delay':
        await sleep(fault.ms);
        break;
    }
    let upstream: Upstream;
    try {
      upstream = await this.forward(method, path, req.headers, body);
    } catch {
      return void req.socket.destroy();
    }
    if (fault.kind === 'drop') return void req.socket.destroy();
    if (fault.kind === 'slowResponse') await sleep(fault.ms);
    if (res.destroyed || req.socket.destroyed) return; // the client gave up waiting
    res.writeHead(upstream.status, upstream.headers);
    res.end(upstream.body);
  }

  private forward(method: string, path: string, headers: IncomingMessage['headers'], body: Buffer): Promise<Upstream> {
    return new Promise((resolve, reject) => {
      const up = request(
        { host: this.target.hostname, port: this.target.port, method, path, headers: { ...headers, connection: 'close' }, agent: false },
        (res) => {
          void readBody(res).then((b) => {
            const out = { ...res.headers };
            delete out['transfer-encoding'];
            delete out.connection;
            resolve({ status: res.statusCode ?? 502, headers: { ...out, 'content-length': String(b.length) }, body: b });
          }, reject);
        },
      );
      up.on('error', reject);
      up.end(body);
    });
  }
}

interface Upstream {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function readBody(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

/** An error the way AWS REST-JSON services send one: the code in x-amzn-errortype. */
function awsError(res: ServerResponse, status: number, code: string, message: string): void {
  const body = JSON.stringify({ message });
  res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': code, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
