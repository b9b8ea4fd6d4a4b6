import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppsV1Api, CoreV1Api, PolicyV1Api, type V1Pod } from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drainActivities } from '../../activities/drain.js';
import { kubeConfigFor } from '../../src/kube/client.js';
import { cordon, drainNode, uncordon, type DrainProgress } from '../../src/kube/drain.js';
import { LocalProvider } from '../../src/providers/local/index.js';
import { ProviderRegistry } from '../../src/providers/registry.js';
import type { ClusterCredentials } from '../../src/kube/credentials.js';
import { Toolchain } from '../../src/host/toolchain.js';
import { eventually } from '../helpers/fleet-env.js';

// A whole local cluster with four KWOK nodes: the ReplicaSet controller replaces evicted pods,
// the scheduler places them, KWOK makes them Ready and removes deleted ones, and the real
// disruption controller computes what each PodDisruptionBudget allows.
const toolchain = new Toolchain();
const dataDir = mkdtempSync(join(tmpdir(), 'fleetflow-drain-'));
const provider = new LocalProvider({ dataDir, toolchain });
const ref = { name: 'drain', region: 'local' };
const target = { ...ref, provider: 'local' as const };
const activities = drainActivities(new ProviderRegistry([provider]));
const NODE = (i: number) => `drain-pool-${i}`;
let creds: ClusterCredentials;
let core: CoreV1Api;
let apps: AppsV1Api;
let policy: PolicyV1Api;

beforeAll(async () => {
  await provider.create({ ...ref, labels: {}, idempotencyKey: 'test/drain', nodePools: [{ name: 'pool', nodeCount: 4 }] });
  await provider.waitUntilRunning(ref);
  creds = await provider.credentials(ref);
  const kc = kubeConfigFor(creds);
  core = kc.makeApiClient(CoreV1Api);
  apps = kc.makeApiClient(AppsV1Api);
  policy = kc.makeApiClient(PolicyV1Api);
});

afterAll(async () => {
  await provider.delete(ref);
  rmSync(dataDir, { recursive: true, force: true });
});

const isReady = (p: V1Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
const podsOn = async (node: string) => (await core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${node}` })).items.filter((p) => !p.metadata?.deletionTimestamp);
const names = (pods: V1Pod[]) => pods.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`).sort();

/** A Deployment whose `replicas` pods all land on `node`: the other nodes are cordoned while it is scheduled, then uncordoned. */
async function deploymentOn(node: string, name: string, replicas: number, extra: { daemonSet?: boolean } = {}): Promise<void> {
  const others = [0, 1, 2, 3].map(NODE).filter((n) => n !== node);
  for (const n of others) await cordon(creds, n);
  const labels = { app: name };
  const spec = { containers: [{ name: 'app', image: `registry.local/${name}:1` }] };
  await apps.createNamespacedDeployment({ namespace: 'default', body: { metadata: { name }, spec: { replicas, selector: { matchLabels: labels }, template: { metadata: { labels }, spec } } } });
  await eventually(async () => (await podsOn(node)).filter((p) => p.metadata?.labels?.app === name && isReady(p)).length, (n) => n === replicas, 60_000);
  if (extra.daemonSet) {
    const ds = { app: `${name}-agent` };
    await apps.createNamespacedDaemonSet({ namespace: 'default', body: { metadata: { name: `${name}-agent` }, spec: { selector: { matchLabels: ds }, template: { metadata: { labels: ds }, spec } } } });
  }
  for (const n of others) await uncordon(creds, n);
}

describe('drainNode on a whole local cluster', () => {
  it('drains a node under a budget of one disruption over three replicas, paced by the real disruption controller', async () => {
    await deploymentOn(NODE(0), 'web', 3, { daemonSet: true });
    await policy.createNamespacedPodDisruptionBudget({ namespace: 'default', body: { metadata: { name: 'web' }, spec: { minAvailable: 2, selector: { matchLabels: { app: 'web' } } } } });
    await eventually(() => policy.readNamespacedPodDisruptionBudget({ namespace: 'default', name: 'web' }), (b) => b.status?.disruptionsAllowed === 1, 30_000);
    await eventually(async () => (await podsOn(NODE(0))).some((p) => p.metadata?.labels?.app === 'web-agent'), (v) => v, 30_000);

    const progress: DrainProgress[] = [];
    /** Ready web pods, sampled at every drain round: the budget must hold them at two or more. */
    const readyWeb: number[] = [];
    const result = await drainNode(creds, NODE(0), {
      deadlineMs: 120_000,
      retryIntervalMs: 250,
      onProgress: (p) => {
        progress.push(p);
        void core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=web' }).then((l) => readyWeb.push(l.items.filter((x) => isReady(x) && !x.metadata?.deletionTimestamp).length));
      },
    });
    expect([...result.evicted].sort()).toHaveLength(3);
    expect(result.skipped).toEqual([{ pod: expect.stringMatching(/^default\/web-agent-/), reason: 'DaemonSet-managed' }]);
    // One at a time: after the first eviction the budget refused the other two, naming itself,
    // then, once a replacement was Ready and the controller allowed one more, the last one.
    const refused = progress.find((p) => p.waitingOn.length === 2)!;
    expect(refused).toBeDefined();
    expect(refused.waitingOn[0]!.message).toContain('disruption budget web');
    expect(progress.some((p) => p.waitingOn.length === 1)).toBe(true);
    expect(new Set(progress.map((p) => p.evicted + p.remaining))).toEqual(new Set([3]));
    expect(Math.min(...readyWeb)).toBeGreaterThanOrEqual(2);
    // The replacements run on the other nodes; only the DaemonSet's pod stays.
    expect(names(await podsOn(NODE(0)))).toEqual([expect.stringMatching(/^default\/web-agent-/)]);
    // The drain is done when the evicted pods are gone; the last replacement becomes Ready soon after.
    const web = await eventually(
      async () => (await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=web' })).items.filter((p) => !p.metadata?.deletionTimestamp),
      (pods) => pods.filter(isReady).length === 3,
      30_000,
    );
    expect(web.every((p) => p.spec?.nodeName !== NODE(0))).toBe(true);
    expect((await core.readNode({ name: NODE(0) })).spec?.unschedulable).toBe(true);
  });

  it('waits for an evicted pod to finish terminating (a finalizer holds it), skips mirror pods, then finishes', async () => {
    // A mirror pod is the API's copy of a kubelet's static pod. KWOK runs no static pods, so the
    // test writes one: the one state in this file the cluster cannot reach by itself.
    await core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'static-x', annotations: { 'kubernetes.io/config.mirror': 'hash' } }, spec: { nodeName: NODE(1), containers: [{ name: 'app', image: 'registry.local/static:1' }] } } });
    await core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'slow', finalizers: ['fleetflow.dev/test-hold'] }, spec: { nodeName: NODE(1), containers: [{ name: 'app', image: 'registry.local/slow:1' }] } } });
    await eventually(() => core.readNamespacedPod({ namespace: 'default', name: 'slow' }), isReady, 30_000);
    const progress: DrainProgress[] = [];
    let done = false;
    const drained = drainNode(creds, NODE(1), { deadlineMs: 60_000, retryIntervalMs: 200, onProgress: (p) => progress.push(p) }).finally(() => {
      done = true;
    });
    await eventually(async () => progress.at(-1)?.terminating, (t) => t?.includes('default/slow') ?? false, 30_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(done).toBe(false); // eviction accepted, pod still terminating: not drained yet
    await core.patchNamespacedPod({ namespace: 'default', name: 'slow', body: [{ op: 'remove', path: '/metadata/finalizers' }] });
    const result = await drained;
    expect(result.evicted).toContain('default/slow');
    expect(result.skipped).toContainEqual({ pod: 'default/static-x', reason: 'mirror pod' });
  });

  it('fails with DrainTimedOut, non-retryable, naming the pod and the budget, and keeps heartbeating meanwhile', async () => {
    await deploymentOn(NODE(2), 'db', 1);
    await policy.createNamespacedPodDisruptionBudget({ namespace: 'default', body: { metadata: { name: 'db' }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'db' } } } } });
    await eventually(() => policy.readNamespacedPodDisruptionBudget({ namespace: 'default', name: 'db' }), (b) => b.status?.observedGeneration === b.metadata?.generation && b.status?.disruptionsAllowed === 0, 30_000);
    const env = new MockActivityEnvironment({ startToCloseTimeoutMs: 60_000 });
    const beats: unknown[] = [];
    env.on('heartbeat', (d: unknown) => beats.push(d));
    const started = Date.now();
    const err = await env
      .run(activities.drainNode, { target, node: NODE(2), deadlineSeconds: 2, retryIntervalSeconds: 0.2, gracePeriodSeconds: 0 })
      .catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ type: 'DrainTimedOut', nonRetryable: true });
    const message = (err as Error).message;
    expect(message).toContain(`cluster drain: draining a node: drain of Node ${NODE(2)} did not finish within 2 s`);
    expect(message).toMatch(/default\/db-[a-z0-9]+-[a-z0-9]+ \(Cannot evict pod as it would violate the pod/);
    expect(message).toContain('The disruption budget db needs');
    expect(message).toContain('the node stays cordoned');
    expect(beats.length).toBeGreaterThan(3);
    expect(beats.at(-1)).toMatchObject({ node: NODE(2), remaining: 1, waitingOn: [{ pod: expect.stringMatching(/^default\/db-/) }] });
    expect(names(await podsOn(NODE(2))).filter((n) => n.startsWith('default/db-'))).toHaveLength(1);
  });

  it('uncordons a drained node, and cordon and uncordon are idempotent', async () => {
    expect(await uncordon(creds, NODE(2))).toEqual({ node: NODE(2), wasUnschedulable: true });
    expect((await core.readNode({ name: NODE(2) })).spec?.unschedulable).toBeFalsy();
    expect(await uncordon(creds, NODE(2))).toEqual({ node: NODE(2), wasUnschedulable: false });
    expect(await cordon(creds, NODE(3))).toEqual({ node: NODE(3), wasUnschedulable: false });
    expect(await cordon(creds, NODE(3))).toEqual({ node: NODE(3), wasUnschedulable: true });
    const env = new MockActivityEnvironment();
    expect(await env.run(activities.uncordonNode, { target, node: NODE(3) })).toEqual({ node: NODE(3), wasUnschedulable: true });
  });

  it('refuses to cordon a node that does not exist, non-retryable, naming it', async () => {
    const err = await new MockActivityEnvironment().run(activities.cordonNode, { target, node: 'ghost' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ type: 'NotFound', nonRetryable: true });
    expect((err as Error).message).toContain('cordon Node ghost: nodes "ghost" not found (HTTP 404)');
  });
});
