import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import type { GkeAccount } from '../../src/domain/cluster/accounts.js';
import { clusterEntityId } from '../../src/domain/cluster/inventory.js';
import { serverVersion } from '../../src/kube/health.js';
import { readObject } from '../../src/kube/read.js';
import { GkeProvider } from '../../src/providers/gke/index.js';
import { ProviderRegistry } from '../../src/providers/registry.js';
import { GkeFake, LocalControlPlanes } from '../fakes/gke/index.js';
import { FleetTestEnv, NAMESPACE } from '../helpers/fleet-env.js';
import { failureOf, historyText, pemBody } from '../helpers/history-text.js';

/**
 * provisionCluster and decommissionCluster on GKE, end to end: a real Temporal dev server, a
 * worker whose registry builds the GKE provider for an account pointed at the GKE fake, and
 * fake clusters that are real kube-apiservers (so bootstrap and verify really run).
 */

let fleet: FleetTestEnv;
let backing: LocalControlPlanes;
let fake: GkeFake;
let gke: GkeProvider;
let registry: ProviderRegistry;

const REGION = 'europe-west1';

beforeAll(async () => {
  fleet = await FleetTestEnv.create();
  backing = new LocalControlPlanes(join(fleet.dataDir, 'gke'));
  fake = new GkeFake({ backing, operationMs: 1_000 });
  await fake.start();
  const account: GkeAccount = { name: 'gke-test', provider: 'gke', project: 'fleetflow-test', endpoint: fake.endpoint };
  // Call deadline below the fake's slow answers (2.5 s), so "slow" faults become timeouts.
  gke = GkeProvider.fromAccount(account, { tokenSource: async () => backing.accessToken, callTimeoutMs: 2_000, busyWaitMs: 5_000, busyPollMs: 250 });
  registry = new ProviderRegistry([fleet.local], { accounts: [account], factories: { gke: () => gke } });
});

afterAll(async () => {
  await gke?.close();
  await fake?.stop();
  await backing?.deleteAll();
  await fleet?.teardown();
});

beforeEach(() => fake.faults.set({ rate: 0 }));

async function withGkeWorker<T>(fn: (taskQueue: string) => Promise<T>): Promise<T> {
  const taskQueue = fleet.newTaskQueue();
  const worker = await Worker.create({
    connection: fleet.env.nativeConnection,
    namespace: NAMESPACE,
    taskQueue,
    workflowBundle: fleet.bundle,
    activities: createActivities({ client: fleet.client, providers: registry }),
  });
  return worker.runUntil(fn(taskQueue));
}

const gkeSpec = (name: string, extra: object = {}) => ({
  name,
  provider: 'gke',
  region: REGION,
  account: 'gke-test',
  kubernetesVersion: '1.35',
  labels: { team: 'web' },
  nodePools: [
    { name: 'general', machineType: 'e2-standard-4', nodeCount: 2 },
    { name: 'batch', nodeCount: 1 },
  ],
  ...extra,
});

const provision = (taskQueue: string, spec: { name: string }) =>
  fleet.client.workflow.execute('provisionCluster', { workflowId: `provision/${spec.name}`, taskQueue, args: [{ spec }] });
const upgrade = (taskQueue: string, name: string, version: string) =>
  fleet.client.workflow.execute('upgradeCluster', { workflowId: `upgrade/${name}`, taskQueue, args: [{ name, version }] });
const decommission = (taskQueue: string, name: string) =>
  fleet.client.workflow.execute('decommissionCluster', { workflowId: `decommission/${name}`, taskQueue, args: [{ name }] });

describe('GKE clusters through the workflows', () => {
  it('provisions a cluster with node pools, bootstraps it through a bearer token, upgrades it one minor and decommissions it', async () => {
    await withGkeWorker(async (taskQueue) => {
      const result = await provision(taskQueue, gkeSpec('gke-web'));
      expect(result).toMatchObject({ name: 'gke-web', version: '1.35.4', objectsApplied: 7, providerId: `projects/fleetflow-test/locations/${REGION}/clusters/gke-web` });

      const [cluster] = fake.api.list(REGION);
      expect(cluster).toMatchObject({ name: 'gke-web', status: 'RUNNING', currentMasterVersion: '1.35.4-gke.100' });
      expect(cluster!.nodePools.map((p) => [p.name, p.status, p.initialNodeCount])).toEqual([
        ['general', 'RUNNING', 2],
        ['batch', 'RUNNING', 1],
      ]);
      expect(cluster!.resourceLabels).toMatchObject({ team: 'web', 'fleetflow-key': expect.stringMatching(/^[0-9a-f]{40}$/) });

      // The baseline bundle is on the real API server behind the fake cluster's endpoint.
      const creds = await gke.credentials({ name: 'gke-web', region: REGION });
      expect(creds.auth).toEqual({ kind: 'bearerToken', token: backing.accessToken });
      const info = await readObject(creds, { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'fleetflow-system', name: 'cluster-info' });
      expect((info as { data?: Record<string, string> })?.data).toMatchObject({ name: 'gke-web', provider: 'gke' });

      // One minor up through upgradeCluster: the control plane, then each pool, on the real API server.
      await upgrade(taskQueue, 'gke-web', '1.36');
      expect(await serverVersion(creds)).toBe('1.36.3');
      const [upgraded] = fake.api.list(REGION);
      expect(upgraded!.currentMasterVersion).toMatch(/^1\.36\./);
      expect(upgraded!.nodePools.map((p) => p.version)).toEqual([expect.stringMatching(/^1\.36\./), expect.stringMatching(/^1\.36\./)]);

      await decommission(taskQueue, 'gke-web');
      expect(fake.api.list(REGION)).toEqual([]);
      expect((await backing.local.list()).map((c) => c.name)).not.toContain('gke-web');
      expect((await fleet.client.workflow.getHandle(clusterEntityId('gke-web')).result()).phase).toBe('Deleted');

      // No access token, CA or key material in any history the operation wrote.
      for (const id of ['provision/gke-web', 'upgrade/gke-web', 'decommission/gke-web', clusterEntityId('gke-web')]) {
        const text = await historyText(await fleet.client.workflow.getHandle(id).fetchHistory());
        expect(text).toContain('"team":"web"'); // payloads were decoded, so the search means something
        expect(text).not.toContain(backing.accessToken);
        expect(text).not.toContain('PRIVATE KEY');
        expect(text).not.toContain('-----BEGIN');
        expect(text).not.toContain(pemBody(creds.caPem));
        expect(text).not.toContain(Buffer.from(creds.caPem).toString('base64').slice(0, 60));
      }
    });
  });

  it('completes every workflow with 30% of GKE calls faulted, and the fake holds exactly one cluster per name', async () => {
    // 30% of calls faulted, and 2% of client chunks reset the connection under every call on it.
    fake.faults.set({ rate: 0.3, slowMs: 2_500, seed: 20_240_613, resetRate: 0.02 });
    // Besides the random faults: the first create is made but its answer comes too late, so the
    // retried create must adopt the cluster instead of making a second one.
    fake.faults.once('CreateCluster', 'slow');
    const callsBefore = fake.calls.length;
    const names = ['gke-fa', 'gke-fb'];
    await withGkeWorker(async (taskQueue) => {
      const results = await Promise.all(names.map((n) => provision(taskQueue, gkeSpec(n))));
      expect(results.map((r) => r.name)).toEqual(names);
      expect(fake.api.list(REGION).map((c) => c.name).sort()).toEqual(names);
      for (const n of names) expect(fake.api.creations.get(`${REGION}/${n}`)).toBe(1);
      for (const c of fake.api.list(REGION)) expect(c.nodePools.map((p) => p.name)).toEqual(['general', 'batch']);

      await Promise.all(names.map((n) => upgrade(taskQueue, n, '1.36')));
      for (const c of fake.api.list(REGION)) {
        expect(c.currentMasterVersion).toMatch(/^1\.36\./);
        expect(c.nodePools.map((p) => p.version)).toEqual([expect.stringMatching(/^1\.36\./), expect.stringMatching(/^1\.36\./)]);
      }

      await Promise.all(names.map((n) => decommission(taskQueue, n)));
      expect(fake.api.list(REGION)).toEqual([]);
    });
    // The run really was faulty (numbers vary with timing; printed for the record).
    console.info(`faults injected: ${JSON.stringify(fake.faults.injected)} over ${fake.calls.length - callsBefore} calls; connections reset: ${fake.connectionsDropped}`);
    expect(fake.faults.total).toBeGreaterThan(5);
    // Provision, upgrade and decommission of two clusters through 30% faults: 2-4 minutes,
    // since a retried cloud call backs off up to 30 s.
  }, 480_000);

  it('fails an unsupported version at once, non-retryable, naming the cluster', async () => {
    const createsBefore = fake.calls.filter((c) => c === 'CreateCluster').length;
    const started = Date.now();
    const err = await withGkeWorker((taskQueue) => provision(taskQueue, gkeSpec('gke-old', { kubernetesVersion: '1.20' })).catch((e: unknown) => e));
    const failure = failureOf(err);
    expect(failure).toMatchObject({ type: 'UnsupportedVersion', nonRetryable: true });
    expect(failure?.message).toMatch(/^cluster gke-old: creating the cluster: Master version "1\.20" is unsupported\./);
    expect(fake.calls.filter((c) => c === 'CreateCluster').length - createsBefore).toBe(1); // one attempt, no retry
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(fake.api.list(REGION).map((c) => c.name)).not.toContain('gke-old');
  });
});
