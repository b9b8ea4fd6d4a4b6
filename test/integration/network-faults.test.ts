import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parentRefFor, REVISION_ANNOTATION } from '../../src/domain/bundle/applyset.js';
import type { ProviderAccount } from '../../src/domain/cluster/accounts.js';
import { clusterEntityId } from '../../src/domain/cluster/inventory.js';
import type { ClusterState } from '../../src/domain/cluster/state.js';
import { APPLYING_REVISION_ANNOTATION } from '../../src/kube/applyset.js';
import { renderKubeconfig } from '../../src/kube/kubeconfig.js';
import { withRest } from '../../src/kube/rest.js';
import { externalProviderFor } from '../../src/providers/external/index.js';
import { ProviderRegistry } from '../../src/providers/registry.js';
import { getClusterState } from '../../src/temporal/messages/cluster.js';
import { eventually, FleetTestEnv } from '../helpers/fleet-env.js';
import { Toxiproxy } from '../helpers/toxiproxy.js';

// Toxiproxy between the worker and two local API servers: each cluster is registered as an
// external cluster whose kubeconfig points at its proxy, so every call the worker makes to it
// crosses the faults the test injects (latency, connections cut mid-request, a partition).
let fleet: FleetTestEnv;
let toxiproxy: Toxiproxy;
let providers: ProviderRegistry;
const CLUSTERS = ['nf-a', 'nf-b'];

beforeAll(async () => {
  fleet = await FleetTestEnv.create();
  toxiproxy = await Toxiproxy.start();
  const accounts: ProviderAccount[] = [];
  for (const name of CLUSTERS) {
    await fleet.local.create({ name, region: 'local', labels: {}, idempotencyKey: 'test' });
    await fleet.local.waitUntilRunning({ name, region: 'local' });
    const creds = await fleet.local.credentials({ name, region: 'local' });
    const proxy = await toxiproxy.createProxy(name, new URL(creds.endpoint).host);
    const file = join(fleet.dataDir, `${name}.kubeconfig`);
    writeFileSync(file, renderKubeconfig({ ...creds, endpoint: `https://${proxy.listen}` }, { cluster: name, user: 'admin' }), { mode: 0o600 });
    accounts.push({ name, provider: 'external', kubeconfig: { file }, context: name });
  }
  providers = new ProviderRegistry([fleet.local], { accounts, factories: { external: externalProviderFor } });
});
afterAll(async () => {
  await toxiproxy?.stop();
  await fleet?.teardown();
});

const configMap = (name: string, revision: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'faults' }, data: { revision, filler: 'x'.repeat(2_000) } });
const bundle = (revision: string, count: number) => ({
  name: 'many',
  revision,
  manifests: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'faults' } }, ...Array.from({ length: count }, (_, k) => configMap(`cm-${k}`, revision))],
});
const state = (name: string): Promise<ClusterState> => fleet.client.workflow.getHandle(clusterEntityId(name)).query(getClusterState);
/** What the ApplySet parent on the real API server says (read directly, not through the proxy). */
async function parentOf(name: string) {
  const creds = await fleet.local.credentials({ name, region: 'local' });
  const parent = parentRefFor('many');
  return withRest(creds, async (rest) => {
    const cm = (await rest.request<{ metadata: { annotations?: Record<string, string> } }>('GET', `/api/v1/namespaces/${parent.namespace}/configmaps/${parent.name}`)).body;
    const objects = (await rest.request<{ items: { metadata: { name: string }; data?: Record<string, string> }[] }>('GET', '/api/v1/namespaces/faults/configmaps')).body.items;
    // The bundle's objects only (the namespace also holds kube-root-ca.crt).
    const revisions = objects.filter((o) => o.metadata.name.startsWith('cm-')).map((o) => o.data?.revision);
    return { revision: cm.metadata.annotations?.[REVISION_ANNOTATION], applying: cm.metadata.annotations?.[APPLYING_REVISION_ANNOTATION], objects: revisions };
  });
}

describe('network faults between the worker and clusters (Toxiproxy)', () => {
  const taskQueue = () => fleet.newTaskQueue();
  const queue = { id: '' };

  it('registers both clusters through their proxies', async () => {
    queue.id = taskQueue();
    await fleet.withWorker(queue.id, async () => {
      for (const name of CLUSTERS) {
        const r = await fleet.client.workflow.execute('provisionCluster', {
          workflowId: `provision/${name}`,
          taskQueue: queue.id,
          args: [{ spec: { name, provider: 'external', account: name, labels: { app: 'faults' }, healthCheckInterval: '5s' } }],
        });
        expect(r).toMatchObject({ name, version: '1.35.4' });
      }
    }, { providers });
  });

  it('never reports a bundle applied while connections are cut mid-request under latency; it is applied whole once they stop', async () => {
    await fleet.withWorker(queue.id, async () => {
      const apply = (revision: string) =>
        fleet.client.workflow.start('applyBundleToCluster', { workflowId: `apply/nf-a/many-${revision}`, taskQueue: queue.id, args: [{ cluster: 'nf-a', bundle: bundle(revision, 30) }] });
      await (await apply('v1')).result();
      expect(await parentOf('nf-a')).toMatchObject({ revision: 'v1', applying: undefined });

      await toxiproxy.addToxic('nf-a', { name: 'slow', type: 'latency', attributes: { latency: 50, jitter: 20 } });
      // Every connection is closed after 12 KB from the worker: the TLS handshake and a few
      // requests, so an apply of 30 objects of 2 KB is cut in the middle of a request.
      await toxiproxy.addToxic('nf-a', { name: 'cut', type: 'limit_data', stream: 'upstream', attributes: { bytes: 12_000 } });
      const handle = await apply('v2');
      // The first attempt failed (the activity waits for its retry): look at what is reported now.
      const pending = await eventually(() => handle.describe(), (d) => (d.raw.pendingActivities ?? []).some((a) => a.activityType?.name === 'applyBundle' && (a.attempt ?? 1) >= 2), 90_000);
      const attempt = pending.raw.pendingActivities!.find((a) => a.activityType?.name === 'applyBundle')!;
      console.log(`applyBundle attempt ${attempt.attempt} after: ${attempt.lastFailure?.message}`);
      const during = await parentOf('nf-a');
      console.log(`on the cluster while cut: parent ${during.revision} (applying ${during.applying}), objects at v2: ${during.objects.filter((r) => r === 'v2').length} of 30`);
      // Half applied on the cluster, and said so: the parent still names v1 as the complete revision.
      expect(during).toMatchObject({ revision: 'v1', applying: 'v2' });
      expect((await state('nf-a')).bundles?.find((b) => b.name === 'many')).toMatchObject({ revision: 'v1' });

      await toxiproxy.removeToxic('nf-a', 'cut');
      await handle.result();
      const after = await parentOf('nf-a');
      expect(after).toMatchObject({ revision: 'v2', applying: undefined });
      expect(after.objects).toEqual(Array(30).fill('v2'));
      expect((await state('nf-a')).bundles?.find((b) => b.name === 'many')).toMatchObject({ revision: 'v2', previous: ['v1'] });
      await toxiproxy.removeToxic('nf-a', 'slow');
    }, { providers });
  });

  it('reports a cluster cut off as Unreachable (Degraded, not Failed) and Healthy again once it is back', async () => {
    await fleet.withWorker(queue.id, async () => {
      await toxiproxy.setEnabled('nf-a', false);
      const seen = new Set<string>();
      const cut = await eventually(async () => {
        const s = await state('nf-a');
        seen.add(s.phase);
        return s;
      }, (s) => s.health.status === 'Unreachable', 60_000);
      expect(cut.phase).toBe('Degraded');
      await toxiproxy.setEnabled('nf-a', true);
      const back = await eventually(async () => {
        const s = await state('nf-a');
        seen.add(s.phase);
        return s;
      }, (s) => s.health.status === 'Healthy', 60_000);
      expect(back.phase).toBe('Active');
      expect([...seen].sort()).toEqual(['Active', 'Degraded'].filter((p) => seen.has(p)));
      expect(seen.has('Failed')).toBe(false);
      expect(back.healthLog?.slice(0, 2).map((t) => `${t.from} -> ${t.to}`)).toEqual(['Unreachable -> Healthy', 'Healthy -> Unreachable']);
    }, { providers });
  });

  it('holds a partitioned cluster within the rollout failure budget while the other cluster finishes', async () => {
    await fleet.withWorker(queue.id, async () => {
      await toxiproxy.setEnabled('nf-a', false);
      try {
        const started = Date.now();
        const result = await fleet.client.workflow.execute('fleetRollout', {
          workflowId: 'rollout/faults-partition',
          taskQueue: queue.id,
          args: [{ selector: { matchLabels: { app: 'faults' } }, plan: { stages: [{ name: 'all', maxConcurrency: '100%', maxFailures: 1 }] }, bundle: bundle('v3', 3) }],
        });
        console.log(`rollout with nf-a partitioned: ${(Date.now() - started) / 1000} s: ${result.message}`);
        expect(result).toMatchObject({ outcome: 'Succeeded', applied: ['nf-b'] });
        expect(result.counts).toMatchObject({ Failed: 1 });
        expect((await parentOf('nf-b')).revision).toBe('v3');
        expect((await parentOf('nf-a')).revision).toBe('v2');
      } finally {
        await toxiproxy.setEnabled('nf-a', true);
      }
    }, { providers });
  });
});
