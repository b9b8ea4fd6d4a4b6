import { WorkflowFailedError } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { clusterEntityId } from '../../src/domain/cluster/inventory.js';
import { serverVersion } from '../../src/kube/health.js';
import { readObject } from '../../src/kube/read.js';
import { EksProvider, type EksTuning } from '../../src/providers/eks/index.js';
import { ProviderRegistry } from '../../src/providers/registry.js';
import { EksStack, TEST_TUNING } from '../fakes/eks/stack.js';
import { FleetTestEnv, NAMESPACE } from '../helpers/fleet-env.js';
import { failureOf, historyText as decodedText, pemBody as pemLine } from '../helpers/history-text.js';

let fleet: FleetTestEnv;
let stack: EksStack;

beforeAll(async () => {
  [fleet, stack] = await Promise.all([FleetTestEnv.create(), EksStack.start()]);
});
afterAll(async () => {
  await stack?.close();
  await fleet?.teardown();
});

/** A worker whose registry serves EKS from the fake, through the fault proxy. */
async function withEksWorker<T>(fn: (taskQueue: string) => Promise<T>, tuning: Partial<EksTuning> = {}): Promise<T> {
  const account = stack.account();
  const providers = new ProviderRegistry([fleet.local], {
    accounts: [account],
    factories: { eks: () => new EksProvider({ account, credentials: stack.credentials, tuning: { ...TEST_TUNING, ...tuning } }) },
  });
  const taskQueue = fleet.newTaskQueue();
  const worker = await Worker.create({
    connection: fleet.env.nativeConnection,
    namespace: NAMESPACE,
    taskQueue,
    workflowBundle: fleet.bundle,
    activities: createActivities({ client: fleet.client, providers }),
  });
  return worker.runUntil(fn(taskQueue));
}

const eksSpec = (name: string, extra: object = {}) => ({
  name,
  provider: 'eks',
  region: 'eu-west-1',
  account: 'aws-test',
  environment: 'dev',
  kubernetesVersion: '1.35',
  labels: { team: 'web' },
  nodePools: [{ name: 'general', nodeCount: 2 }],
  ...extra,
});

const provision = (taskQueue: string, spec: object) =>
  fleet.client.workflow.execute('provisionCluster', { workflowId: `provision/${(spec as { name: string }).name}`, taskQueue, args: [{ spec }] });
const upgrade = (taskQueue: string, name: string, version: string) =>
  fleet.client.workflow.execute('upgradeCluster', { workflowId: `upgrade/${name}`, taskQueue, args: [{ name, version }] });
const decommission = (taskQueue: string, name: string) =>
  fleet.client.workflow.execute('decommissionCluster', { workflowId: `decommission/${name}`, taskQueue, args: [{ name }] });

describe('EKS clusters through the workflows', () => {
  it('provisions a cluster with node groups, bootstraps it with a bearer token, upgrades it one minor and decommissions it', async () => {
    await withEksWorker(async (taskQueue) => {
      const result = await provision(taskQueue, eksSpec('eks-web'));
      expect(result).toMatchObject({ name: 'eks-web', providerId: 'arn:aws:eks:eu-west-1:123456789012:cluster/eks-web', version: '1.35.4', objectsApplied: 7 });
      expect(result.endpoint).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);

      // The bundle is on the real API server behind the fake, applied with the bearer token.
      const admin = await stack.fake!.planes.local.credentials({ name: 'eks-web', region: 'local' });
      const info = await readObject(admin, { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'fleetflow-system', name: 'cluster-info' });
      expect((info as { data?: Record<string, string> }).data).toMatchObject({ name: 'eks-web', provider: 'eks' });
      expect(stack.webhook!.reviews.filter((r) => r.cluster === 'eks-web' && r.authenticated).length).toBeGreaterThan(0);
      const described = await stack.provider().describe({ name: 'eks-web', region: 'eu-west-1' });
      expect(described.nodePools).toEqual([{ name: 'general', status: 'Running', version: '1.35' }]);

      // One minor up through upgradeCluster: the control plane, then the node group.
      await upgrade(taskQueue, 'eks-web', '1.36');
      expect(await serverVersion(admin)).toBe('1.36.3');
      const upgraded = await stack.provider().describe({ name: 'eks-web', region: 'eu-west-1' });
      expect(upgraded.version).toMatch(/^1\.36/);
      expect(upgraded.nodePools).toEqual([{ name: 'general', status: 'Running', version: '1.36' }]);

      await decommission(taskQueue, 'eks-web');
      expect((await fleet.client.workflow.getHandle(clusterEntityId('eks-web')).result()).phase).toBe('Deleted');
      expect(stack.fake!.liveClusters()).not.toContain('eks-web');
      expect((await stack.fake!.planes.local.describe({ name: 'eks-web', region: 'local' })).status).toBe('NotFound');

      // No token, secret key, CA or private key in any exported history.
      for (const id of ['provision/eks-web', 'upgrade/eks-web', 'decommission/eks-web', clusterEntityId('eks-web')]) {
        const history = await fleet.client.workflow.getHandle(id).fetchHistory();
        const text = `${historyToJSON(history)}\n${await decodedText(history)}`;
        expect(text).toContain('"team":"web"'); // payloads were decoded, so the search means something
        expect(text).not.toContain('k8s-aws-v1.');
        expect(text).not.toContain(stack.credentials.secretAccessKey);
        expect(text).not.toContain('PRIVATE KEY');
        expect(text).not.toContain('-----BEGIN');
        expect(text).not.toContain(pemLine(admin.caPem));
      }
    });
  });

  it('with 30% of EKS calls failing, two clusters are provisioned, upgraded and decommissioned, one cluster per name', async () => {
    stack.proxy.plan.rate = 0.3;
    const injectedBefore = stack.proxy.plan.injected;
    try {
      await withEksWorker(async (taskQueue) => {
        const names = ['eks-f1', 'eks-f2'];
        const results = await Promise.all(names.map((n) => provision(taskQueue, eksSpec(n))));
        expect(results.map((r) => r.version)).toEqual(['1.35.4', '1.35.4']);
        await Promise.all(names.map((n) => upgrade(taskQueue, n, '1.36')));
        await Promise.all(names.map((n) => decommission(taskQueue, n)));
        for (const n of names) expect(stack.fake!.model.created.get(n)).toBe(1);
        expect(stack.fake!.liveClusters().filter((n) => names.includes(n))).toEqual([]);
      });
    } finally {
      stack.proxy.plan.rate = 0;
    }
    expect(stack.proxy.plan.injected - injectedBefore).toBeGreaterThan(10);
  });

  it('a create whose answer is lost to a timeout is retried by Temporal and adopts the cluster it made', async () => {
    // The fake makes the cluster, but its answer is held past the SDK's request timeout.
    stack.proxy.addRule({ match: (r) => r.method === 'POST' && r.path === '/clusters', fault: { kind: 'slowResponse', ms: 4_000 }, times: 1 });
    await withEksWorker(
      async (taskQueue) => {
        const result = await provision(taskQueue, eksSpec('eks-slow', { nodePools: [] }));
        expect(result.version).toBe('1.35.4');
        const creates = stack.fake!.requests.filter((r) => r.operation === 'CreateCluster' && r.cluster === 'eks-slow');
        expect(creates.length).toBe(2);
        expect(creates[0]!.token).toBe(creates[1]!.token);
        expect(stack.fake!.model.created.get('eks-slow')).toBe(1);
        const history = await fleet.client.workflow.getHandle('provision/eks-slow').fetchHistory();
        const retried = history.events?.find((e) => e.activityTaskStartedEventAttributes && e.activityTaskStartedEventAttributes.attempt === 2);
        const lastFailure = retried?.activityTaskStartedEventAttributes?.lastFailure;
        expect(lastFailure?.message).toMatch(/^cluster eks-slow: CreateCluster 1\.35 in eu-west-1: TimeoutError: /);
        expect(lastFailure?.applicationFailureInfo).toMatchObject({ type: 'NetworkError', nonRetryable: false });
        await decommission(taskQueue, 'eks-slow');
      },
      // One SDK attempt and a short timeout, so the retry is Temporal's activity retry.
      { maxAttempts: 1, requestTimeoutMs: 2_000 },
    );
  });

  it('fails an unsupported version at once, non-retryable, with a message naming the cluster', async () => {
    const started = Date.now();
    const err = await withEksWorker((taskQueue) => provision(taskQueue, eksSpec('eks-bad', { kubernetesVersion: '1.99' })).catch((e: unknown) => e));
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const failure = failureOf(err);
    expect(failure).toMatchObject({ type: 'UnsupportedVersion', nonRetryable: true });
    expect(failure?.message).toMatch(/^cluster eks-bad: CreateCluster 1\.99 in eu-west-1: InvalidParameterException: unsupported Kubernetes version 1\.99/);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(stack.fake!.requests.filter((r) => r.operation === 'CreateCluster' && r.cluster === 'eks-bad')).toHaveLength(1);
    expect(stack.fake!.model.created.has('eks-bad')).toBe(false);
  });
});
