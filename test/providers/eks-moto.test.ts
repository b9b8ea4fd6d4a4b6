import { EKSClient, ListClustersCommand } from '@aws-sdk/client-eks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREATE_TOKEN_TAG, requestToken } from '../../src/providers/eks/index.js';
import { EksStack } from '../fakes/eks/stack.js';
import { providerContract } from '../helpers/provider-contract.js';
import { retrying } from '../helpers/retrying-provider.js';

// moto is an independent implementation of the AWS API: the provider's basic lifecycle must
// pass against it, not only against our own fake.
let stack: EksStack;
beforeAll(async () => {
  stack = await EksStack.start({ api: 'moto' });
});
afterAll(async () => {
  await stack?.close();
});

// Skipped on moto: `upgrades` (moto 5.2 lacks UpdateClusterVersion, UpdateNodegroupVersion,
// DescribeUpdate and ListUpdates) and `credentials` (its endpoint and CA are made up, so no API
// server answers; the contract fake covers both).
providerContract(
  'the EKS provider on moto',
  () => ({
    provider: stack.provider(),
    region: 'eu-west-1',
    versions: { create: '1.35', upgradeTo: '1.36' },
    unsupportedVersion: '1.99',
    nodePools: [{ name: 'general', nodeCount: 2 }],
    waitMs: 20_000,
  }),
  'contract-moto',
  { skip: ['credentials', 'upgrades'] },
);

describe('the EKS provider on moto with 30% injected faults', () => {
  it('creates each cluster once and adopts it on every retried or repeated create', async () => {
    stack.proxy.plan.rate = 0.3;
    const provider = retrying(stack.provider());
    const names = ['moto-a', 'moto-b', 'moto-c'];
    for (let round = 0; round < 3; round++) {
      for (const name of names) {
        const c = await provider.create({ name, region: 'eu-west-1', labels: { round: String(round) }, idempotencyKey: `faults/${name}` });
        expect(c.providerId).toBe(`arn:aws:eks:eu-west-1:123456789012:cluster/${name}`);
      }
    }
    await provider.createNodePools({ name: 'moto-a', region: 'eu-west-1' }, [{ name: 'p1', nodeCount: 1 }, { name: 'p2', nodeCount: 1 }], 'faults/moto-a/pools');
    stack.proxy.plan.rate = 0;
    expect(stack.proxy.plan.injected).toBeGreaterThan(5);
    // Read moto directly, not through the proxy.
    const direct = new EKSClient({ region: 'eu-west-1', endpoint: stack.moto.url, credentials: stack.credentials });
    expect((await direct.send(new ListClustersCommand({}))).clusters?.sort()).toEqual(names);
    const described = await stack.provider().describe({ name: 'moto-a', region: 'eu-west-1' });
    expect(described.nodePools?.map((p) => p.name)).toEqual(['p1', 'p2']);
    const { DescribeClusterCommand } = await import('@aws-sdk/client-eks');
    const tags = (await direct.send(new DescribeClusterCommand({ name: 'moto-b' }))).cluster?.tags;
    expect(tags?.[CREATE_TOKEN_TAG]).toBe(requestToken('faults/moto-b'));
    for (const name of names) await stack.provider().delete({ name, region: 'eu-west-1' });
    expect((await direct.send(new ListClustersCommand({}))).clusters).toEqual([]);
    direct.destroy();
  });
});
