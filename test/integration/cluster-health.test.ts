import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppsV1Api, CoordinationV1Api, CoreV1Api } from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterHealthActivities } from '../../activities/cluster-health.js';
import { checkClusterHealth } from '../../src/kube/cluster-health.js';
import { kubeConfigFor } from '../../src/kube/client.js';
import { LocalProvider } from '../../src/providers/local/index.js';
import { ProviderRegistry } from '../../src/providers/registry.js';
import type { ClusterCredentials } from '../../src/kube/credentials.js';
import { Toolchain } from '../../src/host/toolchain.js';
import { eventually } from '../helpers/fleet-env.js';

// A whole local cluster (default pool of two KWOK nodes, the real controller manager): every
// state below is reached the way it is on a real cluster, not written by the test.
const toolchain = new Toolchain();
const VERSION = toolchain.defaultKubeVersion;
const MINOR = VERSION.split('.').slice(0, 2).join('.');
const dataDir = mkdtempSync(join(tmpdir(), 'fleetflow-health-'));
const provider = new LocalProvider({ dataDir, toolchain });
const ref = { name: 'health', region: 'local' };
const target = { ...ref, provider: 'local' as const };
const activities = clusterHealthActivities(new ProviderRegistry([provider]));
const NODES = ['health-default-0', 'health-default-1'];
let creds: ClusterCredentials;

beforeAll(async () => {
  await provider.create({ ...ref, labels: {}, idempotencyKey: 'test/health' });
  await provider.waitUntilRunning(ref);
  creds = await provider.credentials(ref);
});

afterAll(async () => {
  await provider.delete(ref);
  rmSync(dataDir, { recursive: true, force: true });
});

const coredns = (image: string) => ({
  metadata: { name: 'coredns', namespace: 'kube-system' },
  spec: { replicas: 2, progressDeadlineSeconds: 600, selector: { matchLabels: { app: 'coredns' } }, template: { metadata: { labels: { app: 'coredns' } }, spec: { containers: [{ name: 'coredns', image }] } } },
});

describe('cluster health on a whole local cluster', () => {
  it("is Healthy with the pool's Ready nodes, through the activity", async () => {
    const report = await activities.checkClusterHealth({ target, expectedVersion: MINOR });
    expect(report).toMatchObject({ status: 'Healthy', version: VERSION, nodes: { ready: 2, total: 2 } });
    expect(report.reasons).toEqual(['API server ready', `version ${VERSION}`, '2/2 nodes Ready', 'kube-system: 0 workloads available']);
    expect(Date.parse(report.checkedAt!)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('is Degraded, naming the node, when a node stops heartbeating, and Healthy again when it recovers', async () => {
    const leases = kubeConfigFor(creds).makeApiClient(CoordinationV1Api);
    const core = kubeConfigFor(creds).makeApiClient(CoreV1Api);
    const podReady = async () => (await core.readNamespacedPod({ namespace: 'default', name: 'on-b' })).status?.conditions?.find((c) => c.type === 'Ready')?.status;
    await core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'on-b' }, spec: { nodeName: NODES[1]!, containers: [{ name: 'app', image: 'registry.local/app:1' }] } } });
    await eventually(podReady, (r) => r === 'True', 30_000);
    // Take the node's Lease away from KWOK: it no longer renews it, as a kubelet cut off
    // from the API server would not, and the node lifecycle controller marks the node NotReady.
    await leases.patchNamespacedLease({
      namespace: 'kube-node-lease',
      name: NODES[1]!,
      body: [
        { op: 'replace', path: '/spec/holderIdentity', value: 'fleetflow-test-partition' },
        { op: 'replace', path: '/spec/leaseDurationSeconds', value: 3600 },
      ],
    });
    const degraded = await eventually(() => checkClusterHealth(creds), (h) => h.status === 'Degraded', 90_000);
    expect(degraded).toMatchObject({ reasons: [`1 of 2 nodes NotReady: ${NODES[1]}`], nodes: { ready: 1, total: 2 } });
    // The node lifecycle controller marks the pods of a lost node not Ready.
    await eventually(podReady, (r) => r === 'False', 30_000);
    // Deleting the Lease gives it back: KWOK makes a new one and reports the node Ready.
    await leases.deleteNamespacedLease({ namespace: 'kube-node-lease', name: NODES[1]! });
    const healthy = await eventually(() => checkClusterHealth(creds), (h) => h.status === 'Healthy', 60_000);
    expect(healthy.nodes).toEqual({ ready: 2, total: 2 });
    // ...and its kubelet (KWOK) reports them Ready again once it is back.
    await eventually(podReady, (r) => r === 'True', 30_000);
    await core.deleteNamespacedPod({ namespace: 'default', name: 'on-b' });
  });

  it('is Degraded when a kube-system Deployment cannot become available, and Healthy once it is', async () => {
    const apps = kubeConfigFor(creds).makeApiClient(AppsV1Api);
    // KWOK keeps ":crash" pods from becoming Ready: the real deployment controller reports 0 available.
    await apps.createNamespacedDeployment({ namespace: 'kube-system', body: coredns('registry.local/coredns:crash') });
    const degraded = await eventually(() => checkClusterHealth(creds), (h) => h.status === 'Degraded', 30_000);
    expect(degraded.reasons).toEqual(['kube-system Deployment coredns: 0/2 available']);
    await apps.replaceNamespacedDeployment({ namespace: 'kube-system', name: 'coredns', body: coredns('registry.local/coredns:1') });
    const healthy = await eventually(() => checkClusterHealth(creds), (h) => h.status === 'Healthy', 60_000);
    expect(healthy.reasons).toContain('kube-system: 1 workloads available');
  });

  it('is Degraded when the server runs another release than expected', async () => {
    expect(await checkClusterHealth(creds, { expectedVersion: '1.99' })).toMatchObject({
      status: 'Degraded',
      reasons: [`API server runs ${VERSION}, expected 1.99`],
    });
  });

  it('refuses a malformed input at once, non-retryable, naming the field', async () => {
    const err = await activities.checkClusterHealth({ target, expectedVersion: 'soon' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ type: 'InvalidInput', nonRetryable: true });
    expect((err as Error).message).toContain('input.expectedVersion');
  });

  it('is Unreachable, not an error, when the cluster is stopped', async () => {
    await provider.stop(ref);
    const started = Date.now();
    const report = await activities.checkClusterHealth({ target });
    expect(report.status).toBe('Unreachable');
    expect(report.reasons[0]).toMatch(/^API server unreachable: .*ECONNREFUSED/);
    expect(report.nodes).toEqual({ ready: 0, total: 0 });
    expect(Date.now() - started).toBeLessThan(6_000);
  });
});
