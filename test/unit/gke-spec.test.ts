import { describe, expect, it } from 'vitest';
import { gkeOptionsOf } from '../../src/domain/cluster/gke-options.js';
import { ClusterSpecSchema } from '../../src/domain/cluster/spec.js';
import { parseWith } from '../../src/domain/validation.js';

const gke = { name: 'web-eu', provider: 'gke', region: 'europe-west1' };
const problemsOf = (input: object) => {
  const r = parseWith(ClusterSpecSchema, input, 'spec');
  return r.ok ? [] : r.problems.map((p) => `${p.path}: ${p.message}`);
};

describe('the GKE fields of a cluster spec', () => {
  it('takes a release channel, network, subnetwork and private nodes on GKE', () => {
    const r = ClusterSpecSchema.parse({
      ...gke,
      releaseChannel: 'stable',
      network: 'projects/acme-net-host/global/networks/prod-vpc',
      subnetwork: 'projects/acme-net-host/regions/europe-west1/subnetworks/gke-nodes',
      privateCluster: { masterIpv4CidrBlock: '172.16.0.32/28' },
    });
    expect(gkeOptionsOf(r)).toEqual({
      releaseChannel: 'stable',
      network: 'projects/acme-net-host/global/networks/prod-vpc',
      subnetwork: 'projects/acme-net-host/regions/europe-west1/subnetworks/gke-nodes',
      privateCluster: { masterIpv4CidrBlock: '172.16.0.32/28', privateEndpoint: false },
    });
    expect(gkeOptionsOf(ClusterSpecSchema.parse(gke))).toEqual({});
  });

  it.each<[string, object, string[]]>([
    // other providers refuse them, naming each field
    ['eks', { name: 'a', provider: 'eks', region: 'eu-west-1', releaseChannel: 'stable', network: 'vpc' }, ['spec.releaseChannel: provider eks does not take releaseChannel (GKE only)', 'spec.network: provider eks does not take network (GKE only)']],
    ['local', { name: 'a', provider: 'local', subnetwork: 'nodes' }, ['spec.subnetwork: provider local does not take subnetwork (GKE only)']],
    ['external', { name: 'a', provider: 'external', privateCluster: { masterIpv4CidrBlock: '172.16.0.0/28' } }, ['spec.privateCluster: provider external does not take privateCluster (GKE only)']],

    // bad values on GKE
    ['an unknown channel', { ...gke, releaseChannel: 'beta' }, ['spec.releaseChannel: must be one of: rapid, regular, stable, extended, none']],
    ['an upper-case channel', { ...gke, releaseChannel: 'STABLE' }, ['spec.releaseChannel: must be one of: rapid, regular, stable, extended, none']],
    ['a network URL with a typo', { ...gke, network: 'projects/acme/networks/x' }, ['spec.network: must be a VPC network name such as "prod-vpc" or "projects/HOST/global/networks/NAME"']],
    ['a subnetwork with upper case', { ...gke, subnetwork: 'Nodes' }, ['spec.subnetwork: must be a subnetwork name such as "nodes-eu" or "projects/HOST/regions/REGION/subnetworks/NAME"']],
    ['a private cluster without its control-plane range', { ...gke, privateCluster: {} }, ['spec.privateCluster.masterIpv4CidrBlock: Invalid input: expected string, received undefined']],
    ['a /24 for the control plane', { ...gke, privateCluster: { masterIpv4CidrBlock: '172.16.0.0/24' } }, ['spec.privateCluster.masterIpv4CidrBlock: must be an IPv4 /28 such as "172.16.0.32/28" (GKE reserves a /28 for the control plane)']],
    ['a /28 not on a /28 boundary', { ...gke, privateCluster: { masterIpv4CidrBlock: '172.16.0.8/28' } }, ['spec.privateCluster.masterIpv4CidrBlock: must be an IPv4 /28 such as "172.16.0.32/28" (GKE reserves a /28 for the control plane)']],
    ['an unknown private-cluster field', { ...gke, privateCluster: { masterIpv4CidrBlock: '172.16.0.0/28', publicNodes: true } }, ['spec.privateCluster: Unrecognized key: "publicNodes"']],
  ])('refuses %s', (_why, input, problems) => {
    expect(problemsOf(input)).toEqual(problems);
  });
});
