import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ControlPlaneBacking } from './backing.js';
import { ClusterManager, RpcError, type FakeCluster, type FakeNodePool, type FakeOperation } from './cluster-manager.js';
import { ConnectionDropper } from './connection-dropper.js';
import { FAULT_ERRORS, FaultInjector } from './faults.js';

const require = createRequire(import.meta.url);

/** Loads google.container.v1.ClusterManager from the protos that ship with the SDK itself. */
function clusterManagerService(): grpc.ServiceDefinition {
  const containerProtos = join(dirname(require.resolve('@google-cloud/container/package.json')), 'build', 'protos');
  // google-gax (no ./package.json export): build/src/index.js -> build/protos holds google/api, rpc, protobuf.
  const gaxProtos = join(dirname(require.resolve('google-gax')), '..', 'protos');
  const definition = protoLoader.loadSync('google/container/v1/cluster_service.proto', {
    includeDirs: [containerProtos, gaxProtos],
    keepCase: false,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  const pkg = grpc.loadPackageDefinition(definition) as unknown as {
    google: { container: { v1: { ClusterManager: grpc.ServiceClientConstructor } } };
  };
  return pkg.google.container.v1.ClusterManager.service;
}

export interface GkeFakeOptions {
  backing: ControlPlaneBacking;
  project?: string;
  /** Least time an operation takes. Default 1.5 s. */
  operationMs?: number;
}

type Req = Record<string, unknown> & { name?: string; parent?: string; projectId?: string; zone?: string; clusterId?: string; nodePoolId?: string; operationId?: string };

/**
 * A contract fake of the GKE ClusterManager v1 gRPC API that the real ClusterManagerClient
 * talks to (plaintext, 127.0.0.1, a free port). RPCs served: CreateCluster, GetCluster,
 * ListClusters, DeleteCluster, CreateNodePool, GetNodePool, UpdateMaster, UpdateNodePool,
 * GetOperation, ListOperations, GetServerConfig; every other RPC answers UNIMPLEMENTED.
 * A FaultInjector (`faults`) sits in front of every RPC, and clients connect through a
 * ConnectionDropper that resets connections at `faults` resetRate.
 */
export class GkeFake {
  readonly faults = new FaultInjector();
  readonly api: ClusterManager;
  /** RPC names in the order they arrived (faulted ones included). */
  readonly calls: string[] = [];
  private server?: grpc.Server;
  private dropper?: ConnectionDropper;
  private port = 0;

  constructor(opts: GkeFakeOptions) {
    this.api = new ClusterManager({ project: opts.project ?? 'fleetflow-test', backing: opts.backing, ...(opts.operationMs ? { operationMs: opts.operationMs } : {}) });
  }

  /** Client connections reset so far (resetRate). */
  get connectionsDropped(): number {
    return this.dropper?.dropped ?? 0;
  }

  /** host:port the client connects to (GkeAccount.endpoint). */
  get endpoint(): string {
    return `127.0.0.1:${this.port}`;
  }

  async start(): Promise<string> {
    const server = new grpc.Server();
    const api = this.api;
    const cluster = (r: Req) => r.name || `projects/${r.projectId}/locations/${r.zone}/clusters/${r.clusterId}`;
    const location = (r: Req) => r.parent || `projects/${r.projectId}/locations/${r.zone}`;
    server.addService(clusterManagerService(), {
      CreateCluster: this.unary('CreateCluster', (r) => opMsg(api.createCluster(location(r), r.cluster as never))),
      GetCluster: this.unary('GetCluster', (r) => clusterMsg(api.getCluster(cluster(r)))),
      ListClusters: this.unary('ListClusters', (r) => ({ clusters: api.list(location(r).split('/')[3]).map(clusterMsg), missingZones: [] })),
      DeleteCluster: this.unary('DeleteCluster', (r) => opMsg(api.deleteCluster(cluster(r)))),
      CreateNodePool: this.unary('CreateNodePool', (r) => opMsg(api.createNodePool(r.parent || cluster(r), r.nodePool as never))),
      GetNodePool: this.unary('GetNodePool', (r) => {
        const [base, pool] = (r.name ?? '').split('/nodePools/');
        const found = api.getCluster(base ?? '').nodePools.find((p) => p.name === pool);
        if (!found) throw new RpcError(grpc.status.NOT_FOUND, `Not found: ${r.name}.`);
        return poolMsg(found);
      }),
      UpdateMaster: this.unary('UpdateMaster', (r) => opMsg(api.updateMaster(cluster(r), r.masterVersion as string | undefined))),
      UpdateNodePool: this.unary('UpdateNodePool', (r) => opMsg(api.updateNodePool(r.name ?? '', r.nodeVersion as string | undefined, r.imageType as string | undefined))),
      GetOperation: this.unary('GetOperation', (r) => opMsg(api.getOperation(r.name || `projects/${r.projectId}/locations/${r.zone}/operations/${r.operationId}`))),
      ListOperations: this.unary('ListOperations', (r) => ({ operations: api.listOperations(location(r)).map(opMsg), missingZones: [] })),
      GetServerConfig: this.unary('GetServerConfig', () => ({
        defaultClusterVersion: api.defaultVersion,
        validMasterVersions: api.validVersions,
        validNodeVersions: api.validVersions,
        defaultImageType: 'COS_CONTAINERD',
        validImageTypes: ['COS_CONTAINERD', 'UBUNTU_CONTAINERD'],
      })),
    });
    const grpcPort = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))),
    );
    this.server = server;
    this.dropper = new ConnectionDropper(grpcPort, () => this.faults.resetRate);
    this.port = await this.dropper.start();
    return this.endpoint;
  }

  /** Stops serving (in-flight calls are cut) and waits for running operations to finish. */
  async stop(): Promise<void> {
    await this.dropper?.stop();
    this.server?.forceShutdown();
    this.server = undefined;
    await this.api.settle();
  }

  /** A unary handler behind the fault injector; RpcErrors become gRPC statuses. */
  private unary(method: string, handle: (req: Req) => object): grpc.handleUnaryCall<Req, object> {
    return (call, callback) => {
      this.calls.push(method);
      const fault = this.faults.next(method);
      if (fault === 'drop') return; // never answered: the client's deadline ends the call
      if (fault === 'unavailable' || fault === 'throttled' || fault === 'internal') return callback(FAULT_ERRORS[fault]);
      let result: { err: Partial<grpc.StatusObject> | null; value?: object };
      try {
        result = { err: null, value: handle(call.request) };
      } catch (e) {
        result = e instanceof RpcError ? { err: { code: e.code, details: e.details } } : { err: { code: grpc.status.INTERNAL, details: String(e) } };
      }
      const answer = () => (result.err ? callback(result.err) : callback(null, result.value));
      // slow: the work is done, but the answer comes after the client gave up.
      if (fault === 'slow') setTimeout(answer, this.faults.slowMs);
      else answer();
    };
  }
}

function poolMsg(p: FakeNodePool): object {
  return { ...p, conditions: [] };
}

function clusterMsg(c: FakeCluster): object {
  return {
    name: c.name,
    location: c.location,
    status: c.status,
    statusMessage: c.statusMessage,
    resourceLabels: c.resourceLabels,
    initialClusterVersion: c.initialClusterVersion,
    currentMasterVersion: c.currentMasterVersion,
    currentNodeVersion: c.nodePools[0]?.version ?? '',
    endpoint: c.endpoint,
    masterAuth: { clusterCaCertificate: c.caPem ? Buffer.from(c.caPem).toString('base64') : '' },
    nodePools: c.nodePools.map(poolMsg),
    releaseChannel: c.releaseChannel,
    network: c.network,
    subnetwork: c.subnetwork,
    privateClusterConfig: c.privateClusterConfig,
    selfLink: c.selfLink,
    createTime: c.createTime,
  };
}

function opMsg(op: FakeOperation): object {
  const { error, ...rest } = op;
  return { ...rest, zone: op.location, ...(error ? { error } : {}) };
}
