import { randomUUID } from 'node:crypto';
import type { ControlPlaneStatus } from './control-planes.js';

/** An EKS API error: HTTP status and the code the SDK matches on (x-amzn-errortype). */
export class EksApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** What the fake needs from a real control plane; see LocalControlPlanes. */
export interface ControlPlanes {
  create(name: string, minor: string): Promise<void>;
  status(name: string): Promise<ControlPlaneStatus>;
  upgrade(name: string, minor: string): Promise<void>;
  delete(name: string): Promise<void>;
}

/** How long the asynchronous states last at least (the control plane may take longer). */
export interface FakeDurations {
  createMs: number;
  deleteMs: number;
  nodegroupCreateMs: number;
  nodegroupDeleteMs: number;
  nodegroupUpdateMs: number;
}

export const FAST: FakeDurations = { createMs: 1_500, deleteMs: 1_000, nodegroupCreateMs: 1_000, nodegroupDeleteMs: 1_000, nodegroupUpdateMs: 1_500 };

/** Every background job started, so a test's teardown can wait for them before cleaning up. */
const running = new Set<Promise<unknown>>();

/** Resolves once every background job has ended (a control plane mid-start would outlive cleanup). */
export async function settleJobs(): Promise<void> {
  while (running.size > 0) await Promise.allSettled([...running]);
}

/** Background work (a control plane starting, upgrading, going) that states wait for. */
class Job {
  done = false;
  error: string | undefined;
  constructor(p: Promise<unknown>) {
    running.add(p);
    void p.finally(() => running.delete(p)).catch(() => undefined);
    p.then(
      () => (this.done = true),
      (e: unknown) => ((this.done = true), (this.error = e instanceof Error ? e.message : String(e))),
    );
  }
}

export interface FakeUpdate {
  id: string;
  status: 'InProgress' | 'Successful' | 'Failed' | 'Cancelled';
  type: 'VersionUpdate';
  params: { type: string; value: string }[];
  createdAt: number;
  errors: { errorCode: string; errorMessage: string; resourceIds: string[] }[];
  token: string;
  nodegroup?: string;
  readyAt: number;
  job?: Job;
}

export interface FakeNodegroup {
  nodegroupName: string;
  nodegroupArn: string;
  clusterName: string;
  version: string;
  status: 'CREATING' | 'ACTIVE' | 'UPDATING' | 'DELETING' | 'CREATE_FAILED' | 'DELETE_FAILED' | 'DEGRADED';
  createdAt: number;
  modifiedAt: number;
  scalingConfig: { minSize?: number; maxSize?: number; desiredSize?: number };
  instanceTypes: string[];
  subnets: string[];
  nodeRole: string;
  tags: Record<string, string>;
  health: { issues: unknown[] };
  token: string;
  readyAt: number;
  goneAt?: number;
}

export interface FakeCluster {
  name: string;
  arn: string;
  version: string;
  status: 'CREATING' | 'ACTIVE' | 'UPDATING' | 'DELETING' | 'FAILED';
  roleArn: string;
  resourcesVpcConfig: { subnetIds: string[]; securityGroupIds: string[]; vpcId: string; endpointPublicAccess: boolean; endpointPrivateAccess: boolean };
  createdAt: number;
  tags: Record<string, string>;
  clientRequestToken: string;
  platformVersion: string;
  endpoint?: string;
  caPem?: string;
  health: { issues: { code: string; message: string; resourceIds: string[] }[] };
  readyAt: number;
  job: Job;
  deleteJob?: Job;
  goneAt?: number;
  nodegroups: Map<string, FakeNodegroup>;
  updates: FakeUpdate[];
}

const now = () => Date.now();
const seconds = (ms: number) => ms / 1000;
const ACCOUNT = '123456789012';

/**
 * The state and rules of the EKS fake: clusters, node groups and updates with asynchronous
 * states, clientRequestToken idempotency, the version rules EKS enforces (supported minors,
 * one minor at a time, node groups not ahead of the control plane) and real control planes.
 * States advance lazily when read, so there are no timers to stop.
 */
export class EksModel {
  readonly clusters = new Map<string, FakeCluster>();
  /** Clusters ever created, by name: the test's "exactly one per name" check. */
  readonly created = new Map<string, number>();

  constructor(
    readonly region: string,
    readonly supported: readonly string[],
    readonly durations: FakeDurations,
    private readonly planes: ControlPlanes,
  ) {}

  createCluster(body: Record<string, any>): FakeCluster {
    const name = String(body.name ?? '');
    const token = String(body.clientRequestToken ?? randomUUID());
    if (!/^[0-9A-Za-z][A-Za-z0-9\-_]{0,99}$/.test(name)) throw new EksApiError(400, 'InvalidParameterException', `Invalid cluster name: ${name}`);
    if (!body.roleArn) throw new EksApiError(400, 'InvalidParameterException', 'roleArn is required');
    if (!body.resourcesVpcConfig?.subnetIds?.length) throw new EksApiError(400, 'InvalidParameterException', 'Subnets are required');
    const existing = this.clusters.get(name);
    if (existing) {
      // The same request again (a retry whose first answer was lost) gets the same cluster.
      if (existing.clientRequestToken === token) return existing;
      throw new EksApiError(409, 'ResourceInUseException', `Cluster already exists with name: ${name}`);
    }
    const version = String(body.version ?? this.supported[this.supported.length - 1]);
    if (!this.supported.includes(version)) throw new EksApiError(400, 'InvalidParameterException', `unsupported Kubernetes version ${version}`);
    const c: FakeCluster = {
      name,
      arn: `arn:aws:eks:${this.region}:${ACCOUNT}:cluster/${name}`,
      version,
      status: 'CREATING',
      roleArn: body.roleArn,
      resourcesVpcConfig: { subnetIds: body.resourcesVpcConfig.subnetIds, securityGroupIds: body.resourcesVpcConfig.securityGroupIds ?? [], vpcId: 'vpc-fake', endpointPublicAccess: true, endpointPrivateAccess: false },
      createdAt: now(),
      tags: body.tags ?? {},
      clientRequestToken: token,
      platformVersion: 'eks.1',
      health: { issues: [] },
      readyAt: now() + this.durations.createMs,
      job: new Job(this.planes.create(name, version)),
      nodegroups: new Map(),
      updates: [],
    };
    this.clusters.set(name, c);
    this.created.set(name, (this.created.get(name) ?? 0) + 1);
    return c;
  }

  /** The cluster with its states advanced; 404 when absent. */
  async cluster(name: string): Promise<FakeCluster> {
    const c = this.clusters.get(name);
    if (!c) throw new EksApiError(404, 'ResourceNotFoundException', `No cluster found for name: ${name}.`);
    await this.advance(c);
    if (c.goneAt !== undefined && now() >= c.goneAt && c.deleteJob?.done) {
      this.clusters.delete(name);
      throw new EksApiError(404, 'ResourceNotFoundException', `No cluster found for name: ${name}.`);
    }
    return c;
  }

  async deleteCluster(name: string): Promise<FakeCluster> {
    const c = await this.cluster(name);
    if (c.status === 'DELETING') return c;
    if (c.nodegroups.size > 0) throw new EksApiError(409, 'ResourceInUseException', `Cluster has nodegroups attached`);
    if (c.status === 'CREATING' || c.status === 'UPDATING') throw new EksApiError(409, 'ResourceInUseException', `Cannot delete because cluster ${name} currently has an update in progress`);
    c.status = 'DELETING';
    c.goneAt = now() + this.durations.deleteMs;
    c.deleteJob = new Job(this.planes.delete(name));
    return c;
  }

  async updateClusterVersion(name: string, body: Record<string, any>): Promise<FakeUpdate> {
    const c = await this.cluster(name);
    const token = String(body.clientRequestToken ?? randomUUID());
    const same = c.updates.find((u) => u.token === token && !u.nodegroup);
    if (same) return same;
    const version = String(body.version ?? '');
    this.checkMinorStep(c.version, version);
    if (c.status !== 'ACTIVE') throw new EksApiError(409, 'ResourceInUseException', `Cluster ${name} is ${c.status}; an update may already be in progress`);
    const u = this.newUpdate(token, version, 0);
    u.job = new Job(this.planes.upgrade(name, version));
    c.updates.push(u);
    c.status = 'UPDATING';
    return u;
  }

  createNodegroup(c: FakeCluster, body: Record<string, any>): FakeNodegroup {
    const name = String(body.nodegroupName ?? '');
    const token = String(body.clientRequestToken ?? randomUUID());
    const existing = c.nodegroups.get(name);
    if (existing) {
      if (existing.token === token) return existing;
      throw new EksApiError(409, 'ResourceInUseException', `NodeGroup already exists with name ${name} and cluster name ${c.name}`);
    }
    if (c.status !== 'ACTIVE') throw new EksApiError(400, 'InvalidRequestException', `Cluster '${c.name}' is not in ACTIVE status`);
    if (!body.nodeRole || !body.subnets?.length) throw new EksApiError(400, 'InvalidParameterException', 'nodeRole and subnets are required');
    const version = String(body.version ?? c.version);
    if (version !== c.version) throw new EksApiError(400, 'InvalidParameterException', `Requested Nodegroup Kubernetes version ${version} must match the cluster version ${c.version}`);
    const ng: FakeNodegroup = {
      nodegroupName: name,
      nodegroupArn: `arn:aws:eks:${this.region}:${ACCOUNT}:nodegroup/${c.name}/${name}/${randomUUID()}`,
      clusterName: c.name,
      version,
      status: 'CREATING',
      createdAt: now(),
      modifiedAt: now(),
      scalingConfig: body.scalingConfig ?? { minSize: 1, maxSize: 1, desiredSize: 1 },
      instanceTypes: body.instanceTypes ?? ['t3.medium'],
      subnets: body.subnets,
      nodeRole: body.nodeRole,
      tags: body.tags ?? {},
      health: { issues: [] },
      token,
      readyAt: now() + this.durations.nodegroupCreateMs,
    };
    c.nodegroups.set(name, ng);
    return ng;
  }

  nodegroup(c: FakeCluster, name: string): FakeNodegroup {
    const ng = c.nodegroups.get(name);
    if (!ng) throw new EksApiError(404, 'ResourceNotFoundException', `No node group found for name: ${name}.`);
    return ng;
  }

  deleteNodegroup(c: FakeCluster, name: string): FakeNodegroup {
    const ng = this.nodegroup(c, name);
    if (ng.status === 'DELETING') return ng;
    if (ng.status === 'CREATING' || ng.status === 'UPDATING') throw new EksApiError(409, 'ResourceInUseException', `Nodegroup ${name} is ${ng.status}`);
    ng.status = 'DELETING';
    ng.goneAt = now() + this.durations.nodegroupDeleteMs;
    return ng;
  }

  updateNodegroupVersion(c: FakeCluster, name: string, body: Record<string, any>): FakeUpdate {
    const ng = this.nodegroup(c, name);
    const token = String(body.clientRequestToken ?? randomUUID());
    const same = c.updates.find((u) => u.token === token && u.nodegroup === name);
    if (same) return same;
    const version = String(body.version ?? c.version);
    if (!this.supported.includes(version)) throw new EksApiError(400, 'InvalidParameterException', `unsupported Kubernetes version ${version}`);
    if (version !== c.version) throw new EksApiError(400, 'InvalidParameterException', `Requested Nodegroup Kubernetes version ${version} must match the cluster version ${c.version}`);
    if (ng.status !== 'ACTIVE') throw new EksApiError(409, 'ResourceInUseException', `Nodegroup ${name} is ${ng.status}`);
    const u = { ...this.newUpdate(token, version, this.durations.nodegroupUpdateMs), nodegroup: name };
    c.updates.push(u);
    ng.status = 'UPDATING';
    return u;
  }

  update(c: FakeCluster, id: string, nodegroup?: string): FakeUpdate {
    const u = c.updates.find((x) => x.id === id && x.nodegroup === nodegroup);
    if (!u) throw new EksApiError(404, 'ResourceNotFoundException', `No update found for ID: ${id}`);
    return u;
  }

  /** EKS takes a supported minor, exactly one above the current one. */
  private checkMinorStep(from: string, to: string): void {
    const [fa, fb] = from.split('.').map(Number);
    const [ta, tb] = to.split('.').map(Number);
    if (!this.supported.includes(to) || fa !== ta || tb !== (fb ?? 0) + 1) {
      throw new EksApiError(400, 'InvalidParameterException', `Unsupported Kubernetes minor version update from ${from} to ${to}`);
    }
  }

  private newUpdate(token: string, version: string, durationMs: number): FakeUpdate {
    return {
      id: randomUUID(),
      status: 'InProgress',
      type: 'VersionUpdate',
      params: [
        { type: 'Version', value: version },
        { type: 'PlatformVersion', value: 'eks.1' },
      ],
      createdAt: now(),
      errors: [],
      token,
      readyAt: now() + durationMs,
    };
  }

  /** Moves the cluster, its node groups and updates along once their time and work are done. */
  private async advance(c: FakeCluster): Promise<void> {
    if (c.status === 'CREATING' && now() >= c.readyAt && c.job.done) {
      if (c.job.error) {
        c.status = 'FAILED';
        c.health.issues.push({ code: 'ClusterUnreachable', message: c.job.error, resourceIds: [c.name] });
      } else await this.expose(c, 'ACTIVE');
    }
    for (const u of c.updates.filter((x) => x.status === 'InProgress' && now() >= x.readyAt && (!x.job || x.job.done))) {
      const target = u.params[0]!.value;
      if (u.job?.error) {
        u.status = 'Failed';
        u.errors.push({ errorCode: 'Other', errorMessage: u.job.error, resourceIds: [c.name] });
      } else u.status = 'Successful';
      if (u.nodegroup) {
        const ng = c.nodegroups.get(u.nodegroup);
        if (ng) Object.assign(ng, { status: 'ACTIVE', modifiedAt: now(), ...(u.status === 'Successful' ? { version: target } : {}) });
      } else if (u.status === 'Successful') c.version = target;
    }
    if (c.status === 'UPDATING' && !c.updates.some((u) => !u.nodegroup && u.status === 'InProgress')) await this.expose(c, 'ACTIVE');
    for (const ng of c.nodegroups.values()) {
      if (ng.status === 'CREATING' && now() >= ng.readyAt) Object.assign(ng, { status: 'ACTIVE', modifiedAt: now() });
      if (ng.status === 'DELETING' && ng.goneAt !== undefined && now() >= ng.goneAt) c.nodegroups.delete(ng.nodegroupName);
    }
  }

  /** Reads the control plane's endpoint and CA into the cluster (EKS has them once ACTIVE). */
  private async expose(c: FakeCluster, status: FakeCluster['status']): Promise<void> {
    const cp = await this.planes.status(c.name);
    if (!cp.ready) return; // still starting (or restarting after an upgrade): look again later
    Object.assign(c, { status, endpoint: cp.endpoint, caPem: cp.caPem });
  }
}

/** A cluster in the EKS API's JSON shape (timestamps in epoch seconds, as REST-JSON sends them). */
export function clusterJson(c: FakeCluster): object {
  return {
    name: c.name,
    arn: c.arn,
    createdAt: seconds(c.createdAt),
    version: c.version,
    ...(c.endpoint && c.status !== 'CREATING' ? { endpoint: c.endpoint } : {}),
    roleArn: c.roleArn,
    resourcesVpcConfig: c.resourcesVpcConfig,
    kubernetesNetworkConfig: { serviceIpv4Cidr: '10.100.0.0/16', ipFamily: 'ipv4' },
    status: c.status,
    ...(c.caPem && c.status !== 'CREATING' ? { certificateAuthority: { data: Buffer.from(c.caPem, 'utf8').toString('base64') } } : {}),
    clientRequestToken: c.clientRequestToken,
    platformVersion: c.platformVersion,
    tags: c.tags,
    health: c.health,
  };
}

export function nodegroupJson(n: FakeNodegroup): object {
  const { token: _t, readyAt: _r, goneAt: _g, ...rest } = n;
  return { ...rest, createdAt: seconds(n.createdAt), modifiedAt: seconds(n.modifiedAt), capacityType: 'ON_DEMAND', amiType: 'AL2023_x86_64_STANDARD', diskSize: 20 };
}

export function updateJson(u: FakeUpdate): object {
  return { id: u.id, status: u.status, type: u.type, params: u.params, createdAt: seconds(u.createdAt), errors: u.errors };
}
