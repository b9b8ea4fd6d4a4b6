import type { Client } from '@temporalio/client';
import { isGrpcServiceError } from '@temporalio/client';
import proto from '@temporalio/proto';

// The TypeScript client has no Worker Deployment API yet: these read and set it through the
// workflow service, the calls `temporal worker deployment ...` makes.
const VersionStatus = proto.temporal.api.enums.v1.WorkerDeploymentVersionStatus;
const DrainageStatus = proto.temporal.api.enums.v1.VersionDrainageStatus;
/** gRPC NOT_FOUND. */
const NOT_FOUND = 5;
type Timestamp = { seconds?: number | { toNumber(): number } | null; nanos?: number | null };

/** One version (build) of a worker deployment, as `fleetflow deployment status` shows it. */
export interface DeploymentVersionView {
  buildId: string;
  /** current, ramping, draining (pinned runs remain), drained (none remain) or inactive (never current). */
  status: 'current' | 'ramping' | 'draining' | 'drained' | 'inactive' | 'unknown';
  createdAt?: string;
}

export interface DeploymentView {
  name: string;
  /** The build new runs (and auto-upgrade runs) go to; undefined while unversioned workers take them. */
  currentBuildId?: string;
  rampingBuildId?: string;
  rampingPercentage?: number;
  versions: DeploymentVersionView[];
}

/** The drainage of one version: whether runs pinned to it remain, as the server last checked. */
export interface DrainageView {
  buildId: string;
  status: DeploymentVersionView['status'];
  /** drained: no open run is pinned to it any more; it can be stopped. */
  drainage: 'draining' | 'drained' | 'not draining';
  checkedAt?: string;
}

const iso = (t: Timestamp | null | undefined) => {
  if (!t?.seconds) return undefined;
  const seconds = typeof t.seconds === 'number' ? t.seconds : t.seconds.toNumber();
  return new Date(seconds * 1000 + Math.floor((t.nanos ?? 0) / 1e6)).toISOString();
};

function statusName(s: number | null | undefined): DeploymentVersionView['status'] {
  switch (s) {
    case VersionStatus.WORKER_DEPLOYMENT_VERSION_STATUS_CURRENT: return 'current';
    case VersionStatus.WORKER_DEPLOYMENT_VERSION_STATUS_RAMPING: return 'ramping';
    case VersionStatus.WORKER_DEPLOYMENT_VERSION_STATUS_DRAINING: return 'draining';
    case VersionStatus.WORKER_DEPLOYMENT_VERSION_STATUS_DRAINED: return 'drained';
    case VersionStatus.WORKER_DEPLOYMENT_VERSION_STATUS_INACTIVE: return 'inactive';
    default: return 'unknown';
  }
}

/** A deployment or version the server does not know: the message says which, for the CLI to print. */
export class DeploymentNotFound extends Error {}

async function notFoundAs<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    if (isGrpcServiceError(e) && e.code === NOT_FOUND) throw new DeploymentNotFound(`${what} not found (no worker of it has polled yet?)`);
    throw e;
  }
}

export async function describeDeployment(client: Client, deploymentName: string): Promise<DeploymentView> {
  const r = await notFoundAs(`worker deployment ${deploymentName}`, () =>
    client.workflowService.describeWorkerDeployment({ namespace: client.options.namespace, deploymentName }),
  );
  const info = r.workerDeploymentInfo;
  const routing = info?.routingConfig;
  const versions = (info?.versionSummaries ?? [])
    .map((v) => ({ buildId: v.deploymentVersion?.buildId ?? '', status: statusName(v.status), ...(iso(v.createTime) ? { createdAt: iso(v.createTime)! } : {}) }))
    .sort((a, b) => (a.createdAt ?? '').localeCompare(b.createdAt ?? '') || a.buildId.localeCompare(b.buildId));
  return {
    name: deploymentName,
    ...(routing?.currentDeploymentVersion?.buildId ? { currentBuildId: routing.currentDeploymentVersion.buildId } : {}),
    ...(routing?.rampingDeploymentVersion?.buildId ? { rampingBuildId: routing.rampingDeploymentVersion.buildId, rampingPercentage: routing.rampingVersionPercentage ?? 0 } : {}),
    versions,
  };
}

/** Makes `buildId` the current version: new runs start on it and auto-upgrade runs move to it; pinned runs stay. Returns the previous current build. */
export async function setCurrentBuild(client: Client, deploymentName: string, buildId: string, identity: string): Promise<{ previousBuildId?: string }> {
  const r = await notFoundAs(`build ${buildId} of worker deployment ${deploymentName}`, () =>
    client.workflowService.setWorkerDeploymentCurrentVersion({ namespace: client.options.namespace, deploymentName, buildId, identity }),
  );
  const previous = r.previousDeploymentVersion?.buildId;
  return previous ? { previousBuildId: previous } : {};
}

export async function drainage(client: Client, deploymentName: string, buildId: string): Promise<DrainageView> {
  const r = await notFoundAs(`build ${buildId} of worker deployment ${deploymentName}`, () =>
    client.workflowService.describeWorkerDeploymentVersion({ namespace: client.options.namespace, deploymentVersion: { deploymentName, buildId } }),
  );
  const info = r.workerDeploymentVersionInfo;
  const d = info?.drainageInfo;
  const drainageName = d?.status === DrainageStatus.VERSION_DRAINAGE_STATUS_DRAINED ? 'drained' : d?.status === DrainageStatus.VERSION_DRAINAGE_STATUS_DRAINING ? 'draining' : 'not draining';
  return { buildId, status: statusName(info?.status), drainage: drainageName, ...(iso(d?.lastCheckedTime) ? { checkedAt: iso(d?.lastCheckedTime)! } : {}) };
}
