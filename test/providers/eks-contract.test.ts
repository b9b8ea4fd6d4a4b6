import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PermanentError } from '../../src/errors.js';
import { serverVersion } from '../../src/kube/health.js';
import { EksStack } from '../fakes/eks/stack.js';
import { providerContract } from '../helpers/provider-contract.js';

let stack: EksStack;
beforeAll(async () => {
  stack = await EksStack.start();
});
afterAll(async () => {
  await stack?.close();
});

// The contract fake runs a real control plane per cluster, so credentials and upgrades are
// checked against a real kube-apiserver that authenticates the bearer token via the webhook.
providerContract(
  'the EKS provider on the contract fake',
  () => ({
    provider: stack.provider(),
    region: 'eu-west-1',
    versions: { create: '1.35', upgradeTo: '1.36' },
    unsupportedVersion: '1.99',
    nodePools: [
      { name: 'general', nodeCount: 2 },
      { name: 'spot', machineType: 'm7g.large', nodeCount: 0 },
    ],
    waitMs: 90_000,
  }),
  'contract-eks',
);

describe('EKS bearer tokens', () => {
  it('are checked by the API server: a token is bound to its cluster and verified against STS', async () => {
    const provider = stack.provider();
    const ref = { name: 'tokens-a', region: 'eu-west-1' };
    await provider.create({ name: ref.name, region: ref.region, kubernetesVersion: '1.35', labels: {}, idempotencyKey: 'tokens/a' });
    await provider.create({ name: 'tokens-b', region: ref.region, kubernetesVersion: '1.35', labels: {}, idempotencyKey: 'tokens/b' });
    const until = async (name: string) => {
      for (let i = 0; i < 200; i++) {
        if ((await provider.describe({ name, region: ref.region })).status === 'Running') return;
        await new Promise((r) => setTimeout(r, 250));
      }
      throw new Error(`${name} not Running`);
    };
    await Promise.all([until('tokens-a'), until('tokens-b')]);
    const a = await provider.credentials(ref);
    const b = await provider.credentials({ name: 'tokens-b', region: ref.region });
    expect(a.auth.kind).toBe('bearerToken');
    expect(await serverVersion(a)).toMatch(/^1\.35\./);
    // A's token presented to B's API server: the signature binds it to cluster id "tokens-a".
    const stolen = { ...b, auth: a.auth };
    const err = await serverVersion(stolen).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(String(err)).toMatch(/401|Unauthorized/);
    expect(stack.webhook!.reviews).toContainEqual({ cluster: 'tokens-b', authenticated: false, detail: 'signature does not match cluster tokens-b' });
    expect(stack.webhook!.reviews.find((r) => r.cluster === 'tokens-a' && r.authenticated)?.detail).toMatch(/^arn:aws:sts::\d+:/);
    for (const name of ['tokens-a', 'tokens-b']) await provider.delete({ name, region: ref.region });
  });

  it('refuses a create whose name belongs to a cluster another operation made', async () => {
    const provider = stack.provider();
    await provider.create({ name: 'taken', region: 'eu-west-1', labels: {}, idempotencyKey: 'first/owner' });
    const err = await provider.create({ name: 'taken', region: 'eu-west-1', labels: {}, idempotencyKey: 'someone/else' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermanentError);
    expect(err).toMatchObject({ type: 'ClusterNameTaken' });
    expect((err as Error).message).toMatch(/^cluster taken: a cluster of that name already exists in eu-west-1 \(arn:aws:eks:eu-west-1:\d+:cluster\/taken\)/);
  });
});
