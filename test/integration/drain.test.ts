import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drainActivities } from '../../activities/drain.js';
import { cordon, drainNode, uncordon, type DrainProgress } from '../../src/kube/drain.js';
import { LocalProvider } from '../../src/providers/local/index.js';
import { ProviderRegistry } from '../../src/providers/registry.js';
import type { ClusterCredentials } from '../../src/kube/credentials.js';
import { Toolchain } from '../../src/host/toolchain.js';
import { fakeControllers } from '../helpers/kube-controllers.js';

const toolchain = new Toolchain();
const dataDir = mkdtempSync(join(tmpdir(), 'fleetflow-drain-'));
const provider = new LocalProvider({ dataDir, toolchain });
const ref = { name: 'drain', region: 'local' };
const target = { ...ref, provider: 'local' as const };
const activities = drainActivities(new ProviderRegistry([provider]));
let creds: ClusterCredentials;
let fake: ReturnType<typeof fakeControllers>;

const owner = (kind: string, name: string) => ({ apiVersion: 'apps/v1', kind, name, uid: `uid-${name}`, controller: true });

beforeAll(async () => {
  await provider.create({ ...ref, labels: {}, idempotencyKey: 'test/drain' });
  await provider.waitUntilRunning(ref);
  creds = await provider.credentials(ref);
  fake = fakeControllers(creds);
  for (const n of ['node-a', 'node-b', 'node-c', 'node-d']) await fake.node(n);
});

afterAll(async () => {
  await provider.delete(ref);
  rmSync(dataDir, { recursive: true, force: true });
});

describe('drainNode on a real API server', () => {
  it('stops at a PodDisruptionBudget that allows no disruption and finishes once it allows them', async () => {
    await fake.pod('default', 'web-0', 'node-a', { labels: { app: 'web' }, owner: owner('ReplicaSet', 'web-5d8') });
    await fake.pod('default', 'web-1', 'node-a', { labels: { app: 'web' }, owner: owner('ReplicaSet', 'web-5d8') });
    await fake.pod('default', 'solo', 'node-a'); // no controller: evicted too
    await fake.pod('kube-system', 'kube-proxy-x1', 'node-a', { owner: owner('DaemonSet', 'kube-proxy') });
    await fake.pod('kube-system', 'etcd-node-a', 'node-a', { annotations: { 'kubernetes.io/config.mirror': 'hash' } });
    await fake.pod('default', 'web-2', 'node-b', { labels: { app: 'web' }, owner: owner('ReplicaSet', 'web-5d8') });
    await fake.pdb('default', 'web', { app: 'web' }, 1, 0);

    const progress: DrainProgress[] = [];
    const drained = drainNode(creds, 'node-a', { deadlineMs: 60_000, retryIntervalMs: 200, gracePeriodSeconds: 0, onProgress: (p) => progress.push(p) });
    // While the budget allows nothing, the drain evicts what it may and waits on the rest.
    await expect.poll(() => progress.at(-1)?.waitingOn.map((w) => w.pod), { timeout: 10_000 }).toEqual(['default/web-0', 'default/web-1']);
    expect(progress.at(-1)!.waitingOn[0]!.message).toContain('disruption budget web');
    expect(progress.at(-1)).toMatchObject({ node: 'node-a', evicted: 1, remaining: 2 });
    expect((await fake.core.readNode({ name: 'node-a' })).spec?.unschedulable).toBe(true);
    await new Promise((r) => setTimeout(r, 600)); // several more rounds: still refused
    expect(await fake.podsOn('node-a')).toEqual(['default/web-0', 'default/web-1', 'kube-system/etcd-node-a', 'kube-system/kube-proxy-x1']);

    // The disruption controller's part: two replicas may go now.
    await fake.setDisruptionsAllowed('default', 'web', 2);
    const result = await drained;
    // Pods that go in the same round go in no fixed order.
    expect({ ...result, evicted: [...result.evicted].sort() }).toEqual({
      node: 'node-a',
      evicted: ['default/solo', 'default/web-0', 'default/web-1'],
      skipped: [
        { pod: 'kube-system/etcd-node-a', reason: 'mirror pod' },
        { pod: 'kube-system/kube-proxy-x1', reason: 'DaemonSet-managed' },
      ],
    });
    expect(await fake.podsOn('node-a')).toEqual(['kube-system/etcd-node-a', 'kube-system/kube-proxy-x1']);
    expect(await fake.podsOn('node-b')).toEqual(['default/web-2']); // another node is untouched
    // The server spent the budget: each eviction took one disruption.
    expect((await fake.policy.readNamespacedPodDisruptionBudget({ name: 'web', namespace: 'default' })).status?.disruptionsAllowed).toBe(0);

    // Draining again finds nothing left to evict.
    expect((await drainNode(creds, 'node-a', { deadlineMs: 5_000, retryIntervalMs: 200 })).evicted).toEqual([]);
  });

  it('waits for evicted pods to finish terminating, as the kubelet does, with their own grace period', async () => {
    await fake.pod('default', 'slow', 'node-c');
    const progress: DrainProgress[] = [];
    let done = false;
    const drained = drainNode(creds, 'node-c', { deadlineMs: 60_000, retryIntervalMs: 200, onProgress: (p) => progress.push(p) }).finally(() => {
      done = true;
    });
    await expect.poll(() => progress.at(-1)?.terminating, { timeout: 10_000 }).toEqual(['default/slow']);
    await new Promise((r) => setTimeout(r, 500));
    expect(done).toBe(false); // eviction accepted, pod still terminating: not drained yet
    expect(await fake.finishTerminating('node-c')).toEqual(['default/slow']);
    expect((await drained).evicted).toEqual(['default/slow']);
  });

  it('fails with DrainTimedOut, non-retryable, naming the pod and the budget, and keeps heartbeating meanwhile', async () => {
    await fake.pod('default', 'web-3', 'node-d', { labels: { app: 'web' }, owner: owner('ReplicaSet', 'web-5d8') });
    await fake.setDisruptionsAllowed('default', 'web', 0);
    const env = new MockActivityEnvironment({ startToCloseTimeoutMs: 60_000 });
    const beats: unknown[] = [];
    env.on('heartbeat', (d: unknown) => beats.push(d));
    const started = Date.now();
    const err = await env
      .run(activities.drainNode, { target, node: 'node-d', deadlineSeconds: 2, retryIntervalSeconds: 0.2, gracePeriodSeconds: 0 })
      .catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ type: 'DrainTimedOut', nonRetryable: true });
    const message = (err as Error).message;
    expect(message).toContain('cluster drain: draining a node: drain of Node node-d did not finish within 2 s');
    expect(message).toContain('default/web-3 (Cannot evict pod as it would violate the pod');
    expect(message).toContain('The disruption budget web needs');
    expect(message).toContain('the node stays cordoned');
    expect(beats.length).toBeGreaterThan(3);
    expect(beats.at(-1)).toMatchObject({ node: 'node-d', remaining: 1, waitingOn: [{ pod: 'default/web-3' }] });
    expect(await fake.podsOn('node-d')).toEqual(['default/web-3']);
  });

  it('uncordons a drained node, and cordon and uncordon are idempotent', async () => {
    expect(await uncordon(creds, 'node-d')).toEqual({ node: 'node-d', wasUnschedulable: true });
    expect((await fake.core.readNode({ name: 'node-d' })).spec?.unschedulable).toBeFalsy();
    expect(await uncordon(creds, 'node-d')).toEqual({ node: 'node-d', wasUnschedulable: false });
    expect(await cordon(creds, 'node-b')).toEqual({ node: 'node-b', wasUnschedulable: false });
    expect(await cordon(creds, 'node-b')).toEqual({ node: 'node-b', wasUnschedulable: true });
    const env = new MockActivityEnvironment();
    expect(await env.run(activities.uncordonNode, { target, node: 'node-b' })).toEqual({ node: 'node-b', wasUnschedulable: true });
  });

  it('refuses to cordon a node that does not exist, non-retryable, naming it', async () => {
    const err = await new MockActivityEnvironment().run(activities.cordonNode, { target, node: 'ghost' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ type: 'NotFound', nonRetryable: true });
    expect((err as Error).message).toContain('cordon Node ghost: nodes "ghost" not found (HTTP 404)');
  });
});
