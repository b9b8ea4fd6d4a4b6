import { describe, expect, it } from 'vitest';
import { createClusterBody } from '../../src/providers/gke/create-request.js';
import { keyLabelValue } from '../../src/providers/gke/mapping.js';
import type { CreateClusterRequest } from '../../src/providers/types.js';

const req: CreateClusterRequest = { name: 'web', region: 'europe-west1', labels: { team: 'web' }, idempotencyKey: 'provision/web/create' };
const key = keyLabelValue('provision/web/create');

describe('createClusterBody (the Cluster of a GKE CreateCluster)', () => {
  it.each<[string, Partial<CreateClusterRequest>, object]>([
    // nodes: GKE Standard needs them; node_pools only, never the deprecated initial_node_count beside them
    ['the spec\'s pools, with machine type, count and the key label', { nodePools: [{ name: 'general', machineType: 'e2-standard-4', nodeCount: 2 }, { name: 'batch', nodeCount: 0 }] }, {
      nodePools: [
        { name: 'general', initialNodeCount: 2, config: { machineType: 'e2-standard-4', resourceLabels: { 'fleetflow-key': key } } },
        { name: 'batch', initialNodeCount: 0, config: { resourceLabels: { 'fleetflow-key': key } } },
      ],
    }],
    ['no pools in the spec: gcloud\'s default-pool with one node per zone', {}, { nodePools: [{ name: 'default-pool', initialNodeCount: 1, config: { resourceLabels: { 'fleetflow-key': key } } }] }],

    // release channels by GKE's enum names; none is UNSPECIFIED (no channel)
    ['a release channel', { gke: { releaseChannel: 'stable' } }, { releaseChannel: { channel: 'STABLE' } }],
    ['no channel at all', { gke: { releaseChannel: 'none' } }, { releaseChannel: { channel: 'UNSPECIFIED' } }],

    // network
    ['network and subnetwork as given', { gke: { network: 'prod-vpc', subnetwork: 'nodes-eu' } }, { network: 'prod-vpc', subnetwork: 'nodes-eu' }],

    // private nodes make the cluster VPC-native
    ['private nodes', { gke: { privateCluster: { masterIpv4CidrBlock: '172.16.0.32/28', privateEndpoint: false } } }, {
      privateClusterConfig: { enablePrivateNodes: true, enablePrivateEndpoint: false, masterIpv4CidrBlock: '172.16.0.32/28' },
      ipAllocationPolicy: { useIpAliases: true },
    }],
  ])('%s', (_why, over, expected) => {
    expect(createClusterBody({ ...req, ...over })).toMatchObject(expected);
  });

  it('sends name, labels and version, and nothing the spec did not choose', () => {
    const body = createClusterBody({ ...req, kubernetesVersion: '1.35' });
    expect(Object.keys(body).sort()).toEqual(['initialClusterVersion', 'name', 'nodePools', 'resourceLabels']);
    expect(body).toMatchObject({ name: 'web', initialClusterVersion: '1.35', resourceLabels: { team: 'web', 'fleetflow-key': key } });
    expect(body).not.toHaveProperty('initialNodeCount');
  });
});
