import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { NodePoolSpec } from '../../src/domain/cluster/spec.js';
import { FleetflowError } from '../../src/errors.js';
import { serverVersion } from '../../src/kube/health.js';
import type { ClusterProvider, ClusterRef, ProviderChange, ProviderCluster } from '../../src/providers/types.js';
import { eventually } from './fleet-env.js';

/** What a provider's contract test needs: the provider, where clusters go, and what it supports. */
export interface ContractSubject {
  provider: ClusterProvider;
  region: string;
  account?: string;
  /** Release to create, and the next one to upgrade to; both must be supported. */
  versions: { create: string; upgradeTo: string };
  /** A release the provider must refuse. */
  unsupportedVersion: string;
  /** Pools of the cluster, sent with the create (GKE makes them then, the others in createNodePools); omit for providers without node pools. */
  nodePools?: NodePoolSpec[];
  /** How long asynchronous states may take here (emulators: seconds). */
  waitMs: number;
}

const sameMinor = (version: string | undefined, want: string) =>
  !!version && version.split('.').slice(0, 2).join('.') === want.split('.').slice(0, 2).join('.');

/** Parts of the contract an emulator cannot serve (each skip says why where it is used). */
export type ContractCapability = 'credentials' | 'upgrades';

/**
 * The ClusterProvider contract, run against every provider: a cluster's whole life (create,
 * adopt on a repeated create, credentials that reach its real API server, node pools, a
 * control-plane and node-pool upgrade, refusal of an unsupported release, delete) and the
 * idempotency each step promises. Tests run in order and share one cluster.
 */
export function providerContract(label: string, subject: () => ContractSubject, clusterName: string, opts: { skip?: readonly ContractCapability[] } = {}): void {
  const skipped = new Set(opts.skip ?? []);
  const itIf = (capability: ContractCapability) => (skipped.has(capability) ? it.skip : it);
  describe(`${label} honours the ClusterProvider contract`, () => {
    let s: ContractSubject;
    let ref: ClusterRef;
    let first: ProviderCluster;
    const describeUntil = (done: (c: ProviderCluster) => boolean) => eventually(() => s.provider.describe(ref), done, s.waitMs);
    // The spec's pools go with the create, as provisionCluster sends them (GKE makes them then;
    // the others make them in createNodePools).
    const createRequest = () => ({ name: clusterName, region: s.region, kubernetesVersion: s.versions.create, labels: { team: 'contract' }, idempotencyKey: `contract/${clusterName}/create`, ...(s.nodePools ? { nodePools: s.nodePools } : {}) });
    const changeUntilDone = (id: string) =>
      eventually(() => s.provider.describeChange(ref, id), (c: ProviderChange) => c.status !== 'InProgress', s.waitMs);

    it('reports NotFound for a cluster that does not exist', async () => {
      s = subject();
      ref = { name: clusterName, region: s.region, ...(s.account ? { account: s.account } : {}) };
      expect((await s.provider.describe(ref)).status).toBe('NotFound');
    });

    it('creates a cluster that becomes Running with the requested release', async () => {
      first = await s.provider.create(createRequest());
      expect(['Creating', 'Running']).toContain(first.status);
      const running = await describeUntil((c) => c.status === 'Running');
      expect(sameMinor(running.version, s.versions.create)).toBe(true);
      expect(running.endpoint).toMatch(/^https:\/\//);
      ref = { ...ref, ...(running.providerId ? { providerId: running.providerId } : {}) };
    });

    it('adopts the existing cluster when the same create is repeated', async () => {
      const again = await s.provider.create(createRequest());
      expect(again.providerId).toBe(first.providerId);
    });

    itIf('credentials')('gives credentials that reach the cluster API server', async () => {
      const creds = await s.provider.credentials(ref);
      expect(sameMinor(await serverVersion(creds), s.versions.create)).toBe(true);
    });

    it('gives people a kubeconfig for the endpoint it reports, with no secret of the worker in it', async () => {
      const kc = parseYaml(await s.provider.kubeconfig(ref));
      const context = kc.contexts.find((c: { name: string }) => c.name === kc['current-context']).context;
      const cluster = kc.clusters.find((c: { name: string }) => c.name === context.cluster).cluster;
      expect(cluster.server).toBe((await s.provider.describe(ref)).endpoint);
      if (skipped.has('credentials')) return;
      const creds = await s.provider.credentials(ref);
      expect(Buffer.from(cluster['certificate-authority-data'], 'base64').toString('utf8')).toBe(creds.caPem);
      // A cloud's bearer token is the worker's identity: people get an exec entry instead.
      if (creds.auth.kind === 'bearerToken') expect(JSON.stringify(kc)).not.toContain(creds.auth.token);
    });

    it('creates node pools once, however often asked', async () => {
      if (!s.nodePools) return expect(await s.provider.createNodePools(ref, [], 'contract/none')).toEqual([]);
      await s.provider.createNodePools(ref, s.nodePools, `contract/${clusterName}/pools`);
      await s.provider.createNodePools(ref, s.nodePools, `contract/${clusterName}/pools`);
      const c = await describeUntil((d) => s.nodePools!.every((p) => d.nodePools?.find((n) => n.name === p.name)?.status === 'Running'));
      expect(c.nodePools?.map((p) => p.name).sort()).toEqual(s.nodePools.map((p) => p.name).sort());
    });

    itIf('upgrades')('refuses an unsupported release as a permanent error naming the cluster', async () => {
      const err = await s.provider.upgradeControlPlane(ref, { version: s.unsupportedVersion, idempotencyKey: `contract/${clusterName}/bad` }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(FleetflowError);
      expect((err as FleetflowError).retryable).toBe(false);
      expect((err as FleetflowError).message).toContain(clusterName);
    });

    itIf('upgrades')('upgrades the control plane once per key and reports the new release', async () => {
      const request = { version: s.versions.upgradeTo, idempotencyKey: `contract/${clusterName}/upgrade` };
      const change = await s.provider.upgradeControlPlane(ref, request);
      const repeated = await s.provider.upgradeControlPlane(ref, request);
      expect(repeated.id).toBe(change.id);
      expect(await changeUntilDone(change.id)).toMatchObject({ status: 'Succeeded' });
      const c = await describeUntil((d) => d.status === 'Running');
      expect(sameMinor(c.version, s.versions.upgradeTo)).toBe(true);
      expect(sameMinor(await serverVersion(await s.provider.credentials(ref)), s.versions.upgradeTo)).toBe(true);
    });

    itIf('upgrades')('upgrades node pools to the control plane release', async () => {
      if (!s.nodePools) return;
      for (const pool of s.nodePools) {
        const change = await s.provider.upgradeNodePool(ref, pool.name, { version: s.versions.upgradeTo, idempotencyKey: `contract/${clusterName}/pool/${pool.name}` });
        expect(await changeUntilDone(change.id)).toMatchObject({ status: 'Succeeded' });
      }
      const c = await describeUntil((d) => d.nodePools?.every((p) => p.status === 'Running') ?? false);
      for (const pool of c.nodePools ?? []) expect(sameMinor(pool.version, s.versions.upgradeTo)).toBe(true);
    });

    it('deletes the cluster until NotFound, and deleting again is fine', async () => {
      await s.provider.delete(ref);
      await eventually(async () => (await s.provider.delete(ref), s.provider.describe(ref)), (c) => c.status === 'NotFound', s.waitMs);
      expect((await s.provider.delete(ref)).status).toBe('NotFound');
    });
  });
}
