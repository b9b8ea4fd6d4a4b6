import { describe, expect, it } from 'vitest';
import { changeId, minorOf, parseChangeId, toChange, toNodePool, toProviderCluster } from '../../src/providers/eks/mapping.js';

describe('EKS shapes as the provider contract reports them', () => {
  it.each([
    ['CREATING', 'Creating'],
    ['ACTIVE', 'Running'],
    ['UPDATING', 'Updating'],
    ['DELETING', 'Deleting'],
    ['FAILED', 'Failed'],
    ['PENDING', 'Creating'],
  ] as const)('maps cluster status %s to %s', (status, want) => {
    expect(toProviderCluster({ name: 'a', status }).status).toBe(want);
  });

  it('reports a cluster with its ARN, endpoint, release and health issues but never its CA', () => {
    const c = toProviderCluster({
      name: 'a',
      arn: 'arn:aws:eks:eu-west-1:1:cluster/a',
      status: 'FAILED',
      endpoint: 'https://x.eks.amazonaws.com',
      version: '1.35',
      certificateAuthority: { data: 'LS0tLS1CRUdJTi' },
      health: { issues: [{ code: 'Ec2SubnetNotFound', message: 'subnet gone', resourceIds: ['subnet-1'] }] },
    });
    expect(c).toEqual({ name: 'a', providerId: 'arn:aws:eks:eu-west-1:1:cluster/a', status: 'Failed', endpoint: 'https://x.eks.amazonaws.com', version: '1.35', message: 'Ec2SubnetNotFound: subnet gone (subnet-1)' });
  });

  it('treats a DEGRADED node group as Failed with its issues, so provisioning does not call it ready', () => {
    expect(toNodePool({ nodegroupName: 'g', status: 'DEGRADED', version: '1.35', health: { issues: [{ code: 'AsgInstanceLaunchFailures', message: 'no capacity' }] } })).toEqual({
      name: 'g',
      status: 'Failed',
      version: '1.35',
      message: 'AsgInstanceLaunchFailures: no capacity',
    });
  });

  it('reports a failed or cancelled update with EKS errors', () => {
    expect(toChange('cluster:u1', { status: 'Failed', errors: [{ errorCode: 'NodeCreationFailure', errorMessage: 'instances failed to join', resourceIds: ['i-1'] }] })).toEqual({
      id: 'cluster:u1',
      status: 'Failed',
      message: 'NodeCreationFailure: instances failed to join (i-1)',
    });
    expect(toChange('cluster:u1', { status: 'Cancelled' })).toMatchObject({ status: 'Failed', message: 'cancelled' });
    expect(toChange('cluster:u1', { status: 'Successful' })).toEqual({ id: 'cluster:u1', status: 'Succeeded' });
    expect(toChange('cluster:u1', { status: 'InProgress' })).toEqual({ id: 'cluster:u1', status: 'InProgress' });
  });

  it('round-trips change ids and refuses foreign ones', () => {
    for (const ref of [{ kind: 'cluster', updateId: 'u-1' }, { kind: 'nodegroup', nodegroup: 'general', updateId: 'u-2' }, { kind: 'current', version: '1.36' }] as const) {
      expect(parseChangeId(changeId(ref))).toEqual(ref);
    }
    for (const bad of ['upgrade-to-1.36', 'cluster:', 'nodegroup:g', 'cluster:a:b:c']) expect(parseChangeId(bad)).toBeUndefined();
  });

  it('asks EKS for minor releases only', () => {
    expect(minorOf('1.36.3')).toBe('1.36');
    expect(minorOf('v1.35')).toBe('1.35');
  });
});
