import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalControlPlanes } from './control-planes.js';
import { clusterJson, EksApiError, EksModel, FAST, type FakeDurations, nodegroupJson, settleJobs, updateJson } from './model.js';

export interface EksFakeOptions {
  region?: string;
  durations?: Partial<FakeDurations>;
  /** Flags for each cluster's kube-apiserver (the token-review webhook's). */
  extraApiserverArgs?: (cluster: string) => readonly string[];
}

/** One request the fake served: operation, cluster and the clientRequestToken it carried. */
export interface EksRequestRecord {
  operation: string;
  cluster?: string;
  token?: string;
  status: number;
}

type Handler = (p: Record<string, string>, body: Record<string, any>, q: URLSearchParams) => Promise<[string, object]>;

/**
 * A contract fake of the EKS API: the REST-JSON protocol the AWS SDK speaks (the routes and
 * shapes of @aws-sdk/client-eks), served over HTTP on 127.0.0.1, backed by real local control
 * planes. Operations served: CreateCluster, DescribeCluster, ListClusters, DeleteCluster,
 * UpdateClusterVersion, DescribeUpdate, ListUpdates, CreateNodegroup, DescribeNodegroup,
 * ListNodegroups, DeleteNodegroup, UpdateNodegroupVersion. Anything else is a 404
 * UnknownOperation. Stop it with close(), which also removes its control planes.
 */
export class EksFake {
  readonly requests: EksRequestRecord[] = [];
  readonly model: EksModel;
  private readonly routes: [string, RegExp, string, Handler][];

  private constructor(
    private readonly server: Server,
    readonly url: string,
    readonly planes: LocalControlPlanes,
    private readonly dataDir: string,
    opts: EksFakeOptions,
  ) {
    this.model = new EksModel(opts.region ?? 'eu-west-1', planes.minors, { ...FAST, ...opts.durations }, planes);
    this.routes = this.buildRoutes();
  }

  static async start(opts: EksFakeOptions = {}): Promise<EksFake> {
    const dataDir = mkdtempSync(join(tmpdir(), 'fleetflow-eks-fake-'));
    const planes = new LocalControlPlanes({ dataDir, ...(opts.extraApiserverArgs ? { extraApiserverArgs: opts.extraApiserverArgs } : {}) });
    let fake: EksFake | undefined;
    const server = createServer((req, res) => void fake!.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    fake = new EksFake(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`, planes, dataDir, opts);
    return fake;
  }

  /** Clusters that exist now, by name. */
  liveClusters(): string[] {
    return [...this.model.clusters.keys()].sort();
  }

  /** Stops the server and every control plane it started, and removes their data. */
  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await settleJobs();
    await this.planes.deleteAll();
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  private buildRoutes(): [string, RegExp, string, Handler][] {
    const m = this.model;
    const r = (method: string, path: string, op: string, h: Handler): [string, RegExp, string, Handler] => [
      method,
      new RegExp(`^${path.replace(/\{(\w+)\}/g, '(?<$1>[^/]+)')}$`),
      op,
      h,
    ];
    return [
      r('POST', '/clusters', 'CreateCluster', async (_p, b) => ['cluster', clusterJson(m.createCluster(b))]),
      r('GET', '/clusters', 'ListClusters', async () => ['clusters', this.liveClusters()]),
      r('GET', '/clusters/{name}', 'DescribeCluster', async (p) => ['cluster', clusterJson(await m.cluster(p.name!))]),
      r('DELETE', '/clusters/{name}', 'DeleteCluster', async (p) => ['cluster', clusterJson(await m.deleteCluster(p.name!))]),
      r('POST', '/clusters/{name}/updates', 'UpdateClusterVersion', async (p, b) => ['update', updateJson(await m.updateClusterVersion(p.name!, b))]),
      r('GET', '/clusters/{name}/updates', 'ListUpdates', async (p, _b, q) => {
        const c = await m.cluster(p.name!);
        const ng = q.get('nodegroupName') ?? undefined;
        return ['updateIds', c.updates.filter((u) => u.nodegroup === ng).map((u) => u.id)];
      }),
      r('GET', '/clusters/{name}/updates/{id}', 'DescribeUpdate', async (p, _b, q) => ['update', updateJson(m.update(await m.cluster(p.name!), p.id!, q.get('nodegroupName') ?? undefined))]),
      r('POST', '/clusters/{name}/node-groups', 'CreateNodegroup', async (p, b) => ['nodegroup', nodegroupJson(m.createNodegroup(await m.cluster(p.name!), b))]),
      r('GET', '/clusters/{name}/node-groups', 'ListNodegroups', async (p) => ['nodegroups', [...(await m.cluster(p.name!)).nodegroups.keys()].sort()]),
      r('GET', '/clusters/{name}/node-groups/{ng}', 'DescribeNodegroup', async (p) => ['nodegroup', nodegroupJson(m.nodegroup(await m.cluster(p.name!), p.ng!))]),
      r('DELETE', '/clusters/{name}/node-groups/{ng}', 'DeleteNodegroup', async (p) => ['nodegroup', nodegroupJson(m.deleteNodegroup(await m.cluster(p.name!), p.ng!))]),
      r('POST', '/clusters/{name}/node-groups/{ng}/update-version', 'UpdateNodegroupVersion', async (p, b) => [
        'update',
        updateJson(m.updateNodegroupVersion(await m.cluster(p.name!), p.ng!, b)),
      ]),
    ];
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const route = this.routes.find(([method, re]) => method === req.method && re.test(url.pathname));
    const params = route ? Object.fromEntries(Object.entries(route[1].exec(url.pathname)!.groups ?? {}).map(([k, v]) => [k, decodeURIComponent(v)])) : {};
    let body: Record<string, any> = {};
    let status = 200;
    let out: object;
    try {
      if (!route) throw new EksApiError(404, 'UnknownOperationException', `no EKS operation ${req.method} ${url.pathname} in this fake`);
      body = text ? (JSON.parse(text) as Record<string, any>) : {};
      const [key, value] = await route[3](params, body, url.searchParams);
      out = { [key]: value };
    } catch (e) {
      const err = e instanceof EksApiError ? e : new EksApiError(500, 'ServerException', e instanceof Error ? e.message : String(e));
      status = err.status;
      out = { message: err.message };
      res.setHeader('x-amzn-errortype', err.code);
    }
    this.requests.push({
      operation: route?.[2] ?? 'Unknown',
      ...(params.name || body.name ? { cluster: params.name ?? body.name } : {}),
      ...(body.clientRequestToken ? { token: body.clientRequestToken } : {}),
      status,
    });
    const json = JSON.stringify(out);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json), 'x-amzn-requestid': crypto.randomUUID() });
    res.end(json);
  }
}
