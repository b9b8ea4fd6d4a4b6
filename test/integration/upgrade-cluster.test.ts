import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FleetActivities } from '../../activities/index.js';
import { inventoryActivities } from '../../activities/inventory.js';
import { newClusterState } from '../../src/domain/cluster/lifecycle.js';
import { ClusterSpecSchema } from '../../src/domain/cluster/spec.js';
import type { ClusterHealth, ClusterState } from '../../src/domain/cluster/state.js';
import { clusterEntityId } from '../../src/domain/cluster/inventory.js';
import type { ProviderChange, ProviderCluster } from '../../src/providers/types.js';
import { getClusterState } from '../../src/temporal/messages/cluster.js';
import { FleetTestEnv, NAMESPACE } from '../helpers/fleet-env.js';

// upgradeCluster on a real dev server against a fake provider that reports node pools, with the
// real cluster entity and the real claim activity, so the entity's record is what a user sees.
// (The time-skipping test server is not used here: its update support lost claims now and then.)
let fleet: FleetTestEnv;

beforeAll(async () => {
  fleet = await FleetTestEnv.create();
});
afterAll(async () => {
  await fleet?.teardown();
});

interface FakeCloud {
  version: string;
  pools: { name: string; version: string }[];
  /** Health after the control plane moved. */
  healthAfter?: ClusterHealth;
  removedApis?: { apiVersion: string; kind: string; name: string; namespace?: string; removedIn: string; source: 'managedFields' }[];
}

/** A cloud whose changes take a few looks to finish; every call is logged in order. */
function fakeCloud(name: string, cloud: FakeCloud) {
  const log: string[] = [];
  const initial = cloud.version;
  const looks = new Map<string, number>();
  const pending = new Map<string, () => void>();
  const healthy = (): ClusterHealth => ({ status: 'Healthy', reasons: [`version ${cloud.version}`], checkedAt: new Date().toISOString() });
  const change = (id: string, apply: () => void): ProviderChange => {
    pending.set(id, apply);
    return { id, status: 'InProgress' };
  };
  const activities: Partial<FleetActivities> = {
    ...inventoryActivities(fleet.client),
    describeCluster: async (): Promise<ProviderCluster> => ({ name, status: 'Running', version: cloud.version, nodePools: cloud.pools.map((p) => ({ ...p, status: 'Running' })) }),
    checkClusterHealth: async () => {
      const moved = cloud.version !== initial;
      return { ...(moved && cloud.healthAfter ? cloud.healthAfter : healthy()), version: cloud.version, nodes: { ready: 3, total: 3 } };
    },
    scanRemovedApis: async ({ targetVersion }) => ({ targetVersion, cluster: cloud.removedApis ?? [], manifests: [], served: [], scannedObjects: 12 }),
    upgradeControlPlane: async ({ request }) => {
      log.push(`control plane -> ${request.version}`);
      return change('cp', () => (cloud.version = `${request.version}.3`));
    },
    upgradeNodePool: async ({ pool, request }) => {
      log.push(`pool ${pool} -> ${request.version}`);
      return change(`pool-${pool}`, () => (cloud.pools.find((p) => p.name === pool)!.version = `${request.version}.3`));
    },
    describeChange: async ({ changeId }) => {
      const n = (looks.get(changeId) ?? 0) + 1;
      looks.set(changeId, n);
      if (n < 2) return { id: changeId, status: 'InProgress' };
      pending.get(changeId)?.();
      pending.delete(changeId);
      log.push(`${changeId} done`);
      return { id: changeId, status: 'Succeeded' };
    },
  };
  return { activities, log };
}

async function upgrade(name: string, cloud: FakeCloud, version: string) {
  const { activities, log } = fakeCloud(name, cloud);
  const taskQueue = fleet.newTaskQueue();
  const worker = await Worker.create({ connection: fleet.env.nativeConnection, namespace: NAMESPACE, taskQueue, workflowBundle: fleet.bundle, activities });
  type Outcome = { result?: unknown; failure?: unknown };
  return worker.runUntil(async () => {
    const spec = ClusterSpecSchema.parse({ name, provider: 'local', healthCheckInterval: '1h' });
    const state: ClusterState = { ...newClusterState(spec, new Date().toISOString()), phase: 'Active', version: cloud.version, health: { status: 'Healthy', reasons: [] } };
    const entity = await fleet.client.workflow.start('clusterEntity', { workflowId: clusterEntityId(name), taskQueue, args: [{ spec, state }] });
    const outcome = await fleet.client.workflow
      .execute('upgradeCluster', { workflowId: `upgrade/${name}`, taskQueue, args: [{ name, version }] })
      .then((result: unknown): Outcome => ({ result }), (e: unknown): Outcome => ({ failure: e instanceof WorkflowFailedError && e.cause instanceof ApplicationFailure ? e.cause : e }));
    const after = await entity.query(getClusterState);
    await entity.terminate('test done');
    return { ...outcome, log, entity: after };
  });
}

describe('upgradeCluster against a fake provider with node pools', () => {
  it('upgrades the control plane, then each node pool in name order, each after the previous change finished', async () => {
    const { result, log, entity } = await upgrade('up', { version: '1.35.4', pools: [{ name: 'workers-b', version: '1.35.4' }, { name: 'workers-a', version: '1.35.4' }] }, '1.36');
    expect(result).toEqual({ name: 'up', from: '1.35.4', version: '1.36.3', noop: false, nodePools: ['workers-a', 'workers-b'], health: 'Healthy', warnings: [] });
    expect(log).toEqual(['control plane -> 1.36', 'cp done', 'pool workers-a -> 1.36', 'pool-workers-a done', 'pool workers-b -> 1.36', 'pool-workers-b done']);
    expect(entity).toMatchObject({ phase: 'Active', version: '1.36.3', health: { status: 'Healthy' } });
    expect(entity.history[0]).toMatchObject({ id: 'upgrade/up', type: 'upgrade', status: 'Succeeded', message: 'upgraded 1.35.4 -> 1.36.3, node pools workers-a, workers-b; Healthy' });
  });

  it('refuses a two-minor jump and removed APIs in one message, changing nothing', async () => {
    const { failure, log, entity } = await upgrade('jump', {
      version: '1.34.2',
      pools: [{ name: 'workers', version: '1.34.2' }],
      removedApis: [{ apiVersion: 'flowcontrol.apiserver.k8s.io/v1beta3', kind: 'FlowSchema', name: 'team-a', removedIn: '1.32', source: 'managedFields' }],
    }, '1.36');
    expect(failure).toMatchObject({ type: 'UpgradePreflightFailed', nonRetryable: true });
    expect((failure as Error).message).toBe(
      'upgrade failed: cluster jump: the upgrade to 1.36 is refused: cannot upgrade from 1.34.2 to 1.36 in one step: upgrade one minor version at a time (next: 1.35); ' +
        '1 object use API versions removed in or before 1.36: FlowSchema team-a uses flowcontrol.apiserver.k8s.io/v1beta3: removed in 1.32; no replacement; migrate them first',
    );
    expect(log).toEqual([]);
    expect(entity).toMatchObject({ phase: 'Active', version: '1.34.2' });
    expect(entity.current).toBeUndefined();
    expect(entity.history[0]).toMatchObject({ status: 'Failed' });
  });

  it('says plainly that the control plane stays at the new version when the cluster is unhealthy afterwards', async () => {
    const healthAfter: ClusterHealth = { status: 'Degraded', reasons: ['kube-system Deployment coredns: 0/2 available'] };
    const { failure, log, entity } = await upgrade('sick', { version: '1.35.4', pools: [], healthAfter }, '1.36');
    expect(failure).toMatchObject({ type: 'PostUpgradeFailure', nonRetryable: true });
    expect((failure as Error).message).toBe(
      'upgrade of sick failed after its control plane moved to 1.36.3: post-upgrade health: kube-system Deployment coredns: 0/2 available. ' +
        'The control plane stays at 1.36.3: it cannot be downgraded and nothing was rolled back. Repair the cluster, then retry the upgrade: it resumes with whatever is not yet upgraded',
    );
    expect(log).toEqual(['control plane -> 1.36', 'cp done']);
    // Degraded, not Failed: the entity accepts the retry that resumes the upgrade.
    expect(entity).toMatchObject({ phase: 'Degraded', version: '1.36.3' });
  });

  it('is a no-op for a cluster already at the target', async () => {
    const { result, log, entity } = await upgrade('same', { version: '1.36.3', pools: [{ name: 'workers', version: '1.36.3' }] }, '1.36');
    expect(result).toMatchObject({ noop: true, version: '1.36.3' });
    expect(log).toEqual([]);
    expect(entity.history[0]).toMatchObject({ status: 'Succeeded', message: 'already at 1.36.3: nothing to upgrade' });
  });
});
