import { describe, expect, it } from 'vitest';
import { FleetConfigFileSchema } from '../../src/domain/cluster/accounts.js';

describe('EKS accounts in the Fleetflow config', () => {
  it('name the roles and subnets EKS needs, by id, next to where credentials come from', () => {
    const parsed = FleetConfigFileSchema.parse({
      accounts: [
        {
          name: 'aws-prod',
          provider: 'eks',
          region: 'eu-west-1',
          profile: 'prod',
          clusterRoleArn: 'arn:aws:iam::123456789012:role/eks-cluster',
          nodeRoleArn: 'arn:aws:iam::123456789012:role/eks-node',
          subnetIds: ['subnet-0aaa', 'subnet-0bbb'],
          securityGroupIds: ['sg-0ccc'],
        },
      ],
    });
    expect(parsed.accounts[0]).toMatchObject({ subnetIds: ['subnet-0aaa', 'subnet-0bbb'], securityGroupIds: ['sg-0ccc'] });
  });

  it('refuses ids that are not subnets, security groups or role ARNs, naming each path', () => {
    const r = FleetConfigFileSchema.safeParse({ accounts: [{ name: 'a', provider: 'eks', clusterRoleArn: 'eks-role', subnetIds: ['vpc-1'], securityGroupIds: ['x'] }] });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([
      'accounts.0.clusterRoleArn: must be an IAM role ARN',
      'accounts.0.subnetIds.0: must be a subnet id such as subnet-0abc',
      'accounts.0.securityGroupIds.0: must be a security group id such as sg-0abc',
    ]);
  });
});
