import type { protos } from '@google-cloud/container';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FleetflowError } from '../../src/errors.js';
import { GkeProvider } from '../../src/providers/gke/index.js';
import { connect, type GkeConnection } from '../../src/providers/gke/connection.js';
import { GkeFake, type ControlPlaneBacking } from '../fakes/gke/index.js';
import { eventually } from '../helpers/fleet-env.js';

/**
 * What a GKE create sends and what GKE refuses: the provider maps the spec's node pools,
 * release channel, network and private nodes into CreateCluster, and the contract fake
 * refuses, as GKE does, a Cluster it could not create. Stub control planes: no processes.
 */

const REGION = 'europe-west1';
const PARENT = `projects/fleetflow-test/locations/${REGION}`;
const stub: ControlPlaneBacking = {
  releases: ['1.35.4', '1.36.3'],
  create: async () => ({ endpoint: '127.0.0.1:6443', caPem: '-----BEGIN CERTIFICATE-----\nc3R1Yg==\n-----END CERTIFICATE-----\n' }),
  upgrade: async () => undefined,
  delete: async () => undefined,
  deleteAll: async () => undefined,
};
const fake = new GkeFake({ backing: stub, operationMs: 300 });
let provider: GkeProvider;
let raw: GkeConnection;

beforeAll(async () => {
  await fake.start();
  provider = new GkeProvider({ project: 'fleetflow-test', endpoint: fake.endpoint, tokenSource: async () => 'token', callTimeoutMs: 2_000 });
  raw = connect({ project: 'fleetflow-test', endpoint: fake.endpoint, callTimeoutMs: 2_000 });
});
afterAll(async () => {
  await provider?.close();
  await raw?.client.close();
  await fake.stop();
});

const ref = (name: string) => ({ name, region: REGION });
const running = (name: string) => eventually(() => provider.describe(ref(name)), (c) => c.status === 'Running' && (c.nodePools ?? []).every((p) => p.status === 'Running'), 10_000);

describe('GKE create', () => {
  it('creates the spec\'s node pools with the cluster, in its release channel, network and subnetwork, with private nodes', async () => {
    await provider.create({
      name: 'shaped',
      region: REGION,
      kubernetesVersion: '1.35',
      labels: { team: 'web' },
      idempotencyKey: 'provision/shaped/create',
      nodePools: [{ name: 'general', machineType: 'e2-standard-4', nodeCount: 2 }, { name: 'batch', nodeCount: 1 }],
      gke: { releaseChannel: 'stable', network: 'prod-vpc', subnetwork: 'nodes-eu', privateCluster: { masterIpv4CidrBlock: '172.16.0.32/28', privateEndpoint: false } },
    });
    const made = fake.api.getCluster(`${PARENT}/clusters/shaped`);
    expect(made.nodePools.map((p) => [p.name, p.initialNodeCount, p.config.machineType])).toEqual([['general', 2, 'e2-standard-4'], ['batch', 1, 'e2-medium']]);
    expect(made).toMatchObject({
      releaseChannel: { channel: 'STABLE' },
      network: 'prod-vpc',
      subnetwork: 'nodes-eu',
      privateClusterConfig: { enablePrivateNodes: true, enablePrivateEndpoint: false, masterIpv4CidrBlock: '172.16.0.32/28' },
    });
    const c = await running('shaped');
    expect(c.nodePools).toEqual([
      { name: 'general', status: 'Running', version: '1.35.4' },
      { name: 'batch', status: 'Running', version: '1.35.4' },
    ]);
    // The provision step after the create adopts the pools instead of making them again.
    expect(await provider.createNodePools(ref('shaped'), [{ name: 'general', nodeCount: 2 }], 'provision/shaped/node-pools')).toEqual([c.nodePools![0]]);
    expect(fake.calls.filter((x) => x === 'CreateNodePool')).toHaveLength(0);
  });

  it('gives a cluster whose spec names no pools GKE\'s default-pool, since GKE Standard refuses a cluster without nodes', async () => {
    await provider.create({ name: 'plain', region: REGION, labels: {}, idempotencyKey: 'provision/plain/create' });
    expect((await running('plain')).nodePools).toEqual([{ name: 'default-pool', status: 'Running', version: '1.35.4' }]);
    expect(fake.api.getCluster(`${PARENT}/clusters/plain`).releaseChannel).toBeNull();
  });

  it('reports a create GKE refuses as a permanent InvalidParameter naming the cluster and step', async () => {
    const err = await provider
      .create({ name: 'twice', region: REGION, labels: {}, idempotencyKey: 'k', nodePools: [{ name: 'a', nodeCount: 1 }, { name: 'a', nodeCount: 1 }] })
      .then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(FleetflowError);
    expect(err).toMatchObject({ type: 'InvalidParameter', retryable: false, message: 'cluster twice: creating the cluster: Node pool names must be unique: "a" is given twice.' });
  });
});

describe('the GKE fake refuses what GKE refuses (INVALID_ARGUMENT)', () => {
  type Cluster = protos.google.container.v1.ICluster;
  const pool = { name: 'p', initialNodeCount: 1 };
  const privateNodes = { enablePrivateNodes: true, masterIpv4CidrBlock: '172.16.0.0/28' };
  it.each<[string, Cluster, string]>([
    ['neither initial_node_count nor node_pools', {}, 'Cluster.initial_node_count must be greater than zero.'],
    ['both initial_node_count and node_pools', { initialNodeCount: 3, nodePools: [pool] }, 'Cannot specify both "cluster.initial_node_count" and "cluster.node_pools": use node_pools.'],
    ['a node pool without a name', { nodePools: [{ initialNodeCount: 1 }] }, 'Invalid value for field "cluster.node_pools[0].name": "". Must be a match of regex \'(?:[a-z](?:[-a-z0-9]{0,38}[a-z0-9])?)\'.'],
    ['an unknown release channel', { nodePools: [pool], releaseChannel: { channel: 9 as never } }, 'Invalid value for field "cluster.release_channel.channel": 9.'],
    ['private nodes without a control-plane range', { nodePools: [pool], privateClusterConfig: { enablePrivateNodes: true }, ipAllocationPolicy: { useIpAliases: true } }, '"private_cluster_config.master_ipv4_cidr_block" must be set for a private cluster.'],
    ['a control-plane range that is not a /28', { nodePools: [pool], privateClusterConfig: { ...privateNodes, masterIpv4CidrBlock: '172.16.0.0/24' }, ipAllocationPolicy: { useIpAliases: true } }, 'Invalid value for field "private_cluster_config.master_ipv4_cidr_block": "172.16.0.0/24": must be a /28.'],
    ['private nodes on a routes-based cluster', { nodePools: [pool], privateClusterConfig: privateNodes }, 'Private clusters must be VPC-native: set "ip_allocation_policy.use_ip_aliases".'],
  ])('%s', async (_why, cluster, message) => {
    const err = await raw.client.createCluster({ parent: PARENT, cluster: { name: 'refused', ...cluster } }, raw.callOptions).then(() => undefined, (e: unknown) => e);
    expect(err).toMatchObject({ code: 3, details: message });
    expect(fake.api.list(REGION).map((c) => c.name)).not.toContain('refused');
  });

  it('accepts the deprecated initial_node_count alone, as a pool named default-pool', async () => {
    await raw.client.createCluster({ parent: PARENT, cluster: { name: 'legacy', initialNodeCount: 2 } }, raw.callOptions);
    expect(fake.api.getCluster(`${PARENT}/clusters/legacy`).nodePools.map((p) => [p.name, p.initialNodeCount])).toEqual([['default-pool', 2]]);
  });
});
