import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FleetflowError } from '../../src/errors.js';
import { GkeProvider, type GkeProviderOptions } from '../../src/providers/gke/index.js';
import type { ClusterRef } from '../../src/providers/types.js';
import { GkeFake, type ControlPlaneBacking } from '../fakes/gke/index.js';
import { eventually } from '../helpers/fleet-env.js';

/**
 * What the GKE provider does when GKE misbehaves: lost answers, throttling, a busy cluster,
 * failed operations, refusals. The fake's clusters here stand on a stub control plane (no
 * processes), so each case takes about a second; the contract suite covers real API servers.
 */

const REGION = 'us-central1';
const STUB_CA = '-----BEGIN CERTIFICATE-----\nc3R1Yg==\n-----END CERTIFICATE-----\n';
let failUpgradesWith: string | undefined;
const stub: ControlPlaneBacking = {
  releases: ['1.35.4', '1.36.3'],
  create: async () => ({ endpoint: '127.0.0.1:6443', caPem: STUB_CA }),
  upgrade: async () => {
    if (failUpgradesWith) throw new Error(failUpgradesWith);
  },
  delete: async () => undefined,
  deleteAll: async () => undefined,
};
const fake = new GkeFake({ backing: stub, operationMs: 300 });
const providers: GkeProvider[] = [];
const TOKEN = 'ya29.provider-test-token';

function provider(opts: Partial<GkeProviderOptions> = {}): GkeProvider {
  const p = new GkeProvider({ project: 'fleetflow-test', endpoint: fake.endpoint, tokenSource: async () => TOKEN, callTimeoutMs: 1_000, busyWaitMs: 3_000, busyPollMs: 100, ...opts });
  providers.push(p);
  return p;
}

const ref = (name: string): ClusterRef => ({ name, region: REGION });
const create = (p: GkeProvider, name: string, key = `provision/${name}/create`, version = '1.35') =>
  p.create({ name, region: REGION, kubernetesVersion: version, labels: { team: 'web', 'example.com/Owner': 'Alice' }, idempotencyKey: key });
const running = (p: GkeProvider, name: string) => eventually(() => p.describe(ref(name)), (c) => c.status === 'Running', 10_000);
const errorOf = (promise: Promise<unknown>) => promise.then(() => undefined, (e: unknown) => e as FleetflowError);

/** Retries retryable errors the way an activity's retry policy would (short waits here); a permanent one ends it. */
async function retrying<T>(fn: () => Promise<T>, attempts = 12): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (e) {
      if (!(e instanceof FleetflowError) || !e.retryable || i >= attempts) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

beforeAll(async () => {
  await fake.start();
});
afterAll(async () => {
  for (const p of providers) await p.close();
  await fake.stop();
});
beforeEach(() => {
  fake.faults.set({ rate: 0 });
  failUpgradesWith = undefined;
});

describe('the GKE provider against a misbehaving GKE', () => {
  it('adopts the cluster its own create made when the answer to that create was lost', async () => {
    const p = provider();
    fake.faults.once('CreateCluster', 'slow'); // made, but answered after the client's deadline
    const lost = await errorOf(create(p, 'lost-answer'));
    expect(lost).toMatchObject({ type: 'Timeout', retryable: true });
    expect(lost?.message).toMatch(/^cluster lost-answer: creating the cluster: /);

    const retried = await create(p, 'lost-answer');
    expect(retried).toMatchObject({ name: 'lost-answer', providerId: `projects/fleetflow-test/locations/${REGION}/clusters/lost-answer` });
    expect(fake.api.creations.get(`${REGION}/lost-answer`)).toBe(1);
    expect(fake.api.getCluster(retried.providerId!).resourceLabels).toMatchObject({ team: 'web', example_com_owner: 'alice' });
  });

  it('refuses, permanently, a name that a different request created', async () => {
    const p = provider();
    await create(p, 'taken', 'provision/taken/create');
    const err = await errorOf(create(p, 'taken', 'provision/taken-again/create'));
    expect(err).toMatchObject({ type: 'ClusterAlreadyExists', retryable: false });
    expect(err?.message).toContain('cluster taken: creating the cluster: a cluster of that name already exists');
  });

  it('classifies throttling, 5xx, unavailability and lost calls as retryable, naming cluster and step', async () => {
    const p = provider();
    const cases = [
      ['throttled', 'Throttled'],
      ['unavailable', 'Unavailable'],
      ['internal', 'Unavailable'],
      ['drop', 'Timeout'],
    ] as const;
    for (const [kind, type] of cases) {
      fake.faults.once('GetCluster', kind);
      const err = await errorOf(p.describe(ref('any')));
      expect(err, kind).toBeInstanceOf(FleetflowError);
      expect(err, kind).toMatchObject({ type, retryable: true });
      expect(err?.message, kind).toMatch(/^cluster any: describing the cluster: /);
    }
    // And the call after a fault goes through on the same channel.
    expect((await p.describe(ref('any'))).status).toBe('NotFound');
  });

  it('survives connections reset under it: the call fails retryably and a later one reconnects', async () => {
    const p = provider();
    expect((await p.describe(ref('any'))).status).toBe('NotFound'); // connected
    const before = fake.connectionsDropped;
    fake.faults.set({ rate: 0, resetRate: 1 });
    const err = await errorOf(p.describe(ref('any')));
    expect(err).toMatchObject({ retryable: true });
    expect(err?.message).toMatch(/^cluster any: describing the cluster: /);
    expect(fake.connectionsDropped).toBeGreaterThan(before);
    fake.faults.set({ rate: 0 });
    expect((await retrying(() => p.describe(ref('any')))).status).toBe('NotFound');
  });

  it('refuses an unsupported release at create and at upgrade, and a node version newer than the control plane', async () => {
    const p = provider();
    expect(await errorOf(create(p, 'too-old', undefined, '1.20'))).toMatchObject({ type: 'UnsupportedVersion', retryable: false, message: expect.stringContaining('cluster too-old') });
    await create(p, 'skew');
    await running(p, 'skew');
    await p.createNodePools(ref('skew'), [{ name: 'pool', nodeCount: 1 }], 'pools');
    await eventually(() => p.describe(ref('skew')), (c) => c.nodePools?.find((x) => x.name === 'pool')?.status === 'Running', 10_000);
    expect(await errorOf(p.upgradeControlPlane(ref('skew'), { version: '1.99', idempotencyKey: 'k' }))).toMatchObject({ type: 'UnsupportedVersion', retryable: false });
    const skew = await errorOf(p.upgradeNodePool(ref('skew'), 'pool', { version: '1.36', idempotencyKey: 'k' }));
    expect(skew).toMatchObject({ type: 'UnsupportedVersion', retryable: false });
    expect(skew?.message).toContain('must not be newer than the master version');
  });

  it('reports a failed operation as a Failed change with GKE\'s message', async () => {
    const p = provider();
    await create(p, 'fails-upgrade');
    await running(p, 'fails-upgrade');
    failUpgradesWith = 'etcd did not come back';
    const change = await p.upgradeControlPlane(ref('fails-upgrade'), { version: '1.36', idempotencyKey: 'upgrade' });
    expect(change.status).toBe('InProgress');
    const done = await eventually(() => p.describeChange(ref('fails-upgrade'), change.id), (c) => c.status !== 'InProgress', 10_000);
    expect(done).toEqual({ id: change.id, status: 'Failed', message: 'UPGRADE_MASTER failed: etcd did not come back' });
  });

  it('adopts the running upgrade when asked again from another worker, and reports an upgrade with nothing to do as Succeeded', async () => {
    await create(provider(), 'adopt-upgrade');
    await running(provider(), 'adopt-upgrade');
    const request = { version: '1.36', idempotencyKey: 'upgrade/adopt' };
    const upgrades = () => fake.api.listOperations(`projects/fleetflow-test/locations/${REGION}`).filter((op) => op.operationType === 'UPGRADE_MASTER' && op.targetLink.endsWith('/adopt-upgrade'));
    const first = await provider().upgradeControlPlane(ref('adopt-upgrade'), request);
    const again = await provider().upgradeControlPlane(ref('adopt-upgrade'), request); // a fresh instance: nothing in memory
    expect(again.id).toBe(first.id);
    expect(upgrades()).toHaveLength(1); // the second call started nothing
    await eventually(() => provider().describeChange(ref('adopt-upgrade'), first.id), (c) => c.status === 'Succeeded', 10_000);
    const after = await provider().upgradeControlPlane(ref('adopt-upgrade'), request);
    expect(after).toMatchObject({ id: first.id, status: 'Succeeded' });
    expect((await provider().describe(ref('adopt-upgrade'))).version).toBe('1.36.3');
  });

  it('waits for the running operation before starting the next, and gives up retryably when it lasts too long', async () => {
    const p = provider();
    await create(p, 'busy');
    await running(p, 'busy');
    // Two pools: the second waits for the first one's operation (GKE runs one at a time).
    const pools = await p.createNodePools(ref('busy'), [{ name: 'one', nodeCount: 1 }, { name: 'two', nodeCount: 1 }], 'pools');
    expect(pools.map((x) => x.name)).toEqual(['one', 'two']);
    // GKE's default-pool came with the cluster (its spec named none).
    const made = fake.api.getCluster(`projects/fleetflow-test/locations/${REGION}/clusters/busy`).nodePools.filter((x) => x.name !== 'default-pool');
    expect(made.map((x) => x.config.resourceLabels['fleetflow-key'])).toEqual([expect.stringMatching(/^[0-9a-f]{40}$/), expect.stringMatching(/^[0-9a-f]{40}$/)]);
    expect(fake.calls.filter((c) => c === 'CreateNodePool').length).toBeGreaterThanOrEqual(3); // the second was refused at least once

    // The cluster is held busy by the test, not by the second pool's 300 ms operation, which a
    // loaded machine may finish before the next call (the refusal must not race the fake's timer).
    const held = fake.api.getCluster(`projects/fleetflow-test/locations/${REGION}/clusters/busy`);
    held.busyWith = 'operation-held-by-the-test';
    const impatient = provider({ busyWaitMs: 0 });
    const err = await errorOf(impatient.upgradeControlPlane(ref('busy'), { version: '1.36', idempotencyKey: 'u' })).finally(() => delete held.busyWith);
    expect(err).toMatchObject({ type: 'OperationInProgress', retryable: true });
    expect(err?.message).toMatch(/^cluster busy: upgrading the control plane to 1\.36: Cluster is running incompatible operation operation-/);
  });

  it('treats deleting a cluster that is already being deleted, or gone, as done', async () => {
    const p = provider();
    await create(p, 'doomed');
    await running(p, 'doomed');
    expect((await p.delete(ref('doomed'))).status).toBe('Deleting');
    expect((await p.delete(ref('doomed'))).status).toBe('Deleting');
    await eventually(() => p.describe(ref('doomed')), (c) => c.status === 'NotFound', 10_000);
    expect((await p.delete(ref('doomed'))).status).toBe('NotFound');
  });

  it('builds credentials from the cluster endpoint and CA with a fresh token, and fails permanently without Google credentials', async () => {
    const p = provider();
    await create(p, 'creds');
    await running(p, 'creds');
    expect(await p.credentials(ref('creds'))).toEqual({ endpoint: 'https://127.0.0.1:6443', caPem: STUB_CA, auth: { kind: 'bearerToken', token: TOKEN } });

    const noAdc = provider({ tokenSource: async () => Promise.reject(new Error('Could not load the default credentials. Browse to https://cloud.google.com/docs/authentication')) });
    const err = await errorOf(noAdc.credentials(ref('creds')));
    expect(err).toMatchObject({ type: 'CredentialsUnavailable', retryable: false });
    expect(err?.message).toMatch(/^cluster creds: getting credentials: getting an access token: Could not load the default credentials/);
    expect(await errorOf(p.credentials(ref('missing')))).toMatchObject({ type: 'ClusterNotFound', retryable: false });
  });

  it('upgrades the control plane and a node pool through 30% faults, starting one operation for each', async () => {
    const p = provider();
    const name = 'faulty-upgrade';
    await create(p, name);
    await running(p, name);
    await p.createNodePools(ref(name), [{ name: 'pool', nodeCount: 1 }], 'pools');
    await eventually(() => p.describe(ref(name)), (c) => c.nodePools?.find((x) => x.name === 'pool')?.status === 'Running', 10_000);

    fake.faults.set({ rate: 0.3, slowMs: 1_500, seed: 42 });
    const untilDone = async (id: string) => {
      for (;;) {
        const c = await retrying(() => p.describeChange(ref(name), id));
        if (c.status !== 'InProgress') return c;
        await new Promise((r) => setTimeout(r, 200));
      }
    };
    const master = await retrying(() => p.upgradeControlPlane(ref(name), { version: '1.36', idempotencyKey: 'upgrade/master' }));
    expect(await untilDone(master.id)).toMatchObject({ status: 'Succeeded' });
    const pool = await retrying(() => p.upgradeNodePool(ref(name), 'pool', { version: '1.36', idempotencyKey: 'upgrade/pool' }));
    expect(await untilDone(pool.id)).toMatchObject({ status: 'Succeeded' });
    fake.faults.set({ rate: 0 });

    const c = await p.describe(ref(name));
    expect(c.version).toBe('1.36.3');
    expect(c.nodePools?.find((x) => x.name === 'pool')).toEqual({ name: 'pool', status: 'Running', version: '1.36.3' });
    const ops = fake.api.listOperations(`projects/fleetflow-test/locations/${REGION}`).filter((op) => op.targetLink.includes(`/clusters/${name}`));
    expect(ops.filter((op) => op.operationType === 'UPGRADE_MASTER')).toHaveLength(1);
    expect(ops.filter((op) => op.operationType === 'UPGRADE_NODES')).toHaveLength(1);
  });
});
