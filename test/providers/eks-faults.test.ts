import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EksStack } from '../fakes/eks/stack.js';
import { providerContract } from '../helpers/provider-contract.js';
import { retrying } from '../helpers/retrying-provider.js';

// The whole contract through a proxy that fails 30% of EKS calls (throttling, 500/503,
// delays, connections dropped before or after the fake did the work). Calls are retried the
// way Temporal retries activities; idempotency tokens must keep every retry harmless.
let stack: EksStack;
let provider: ReturnType<typeof retrying>;
beforeAll(async () => {
  stack = await EksStack.start({ faults: { rate: 0.3, seed: 42 } });
  provider = retrying(stack.provider());
});
afterAll(async () => {
  await stack?.close();
});

providerContract(
  'the EKS provider on the contract fake with 30% injected faults',
  () => ({
    provider,
    region: 'eu-west-1',
    versions: { create: '1.35', upgradeTo: '1.36' },
    unsupportedVersion: '1.99',
    nodePools: [{ name: 'general', nodeCount: 2 }],
    waitMs: 120_000,
  }),
  'faults-eks',
);

describe('after the faulty run', () => {
  it('the fake made exactly one cluster, node group and update per request, and faults were really injected', () => {
    expect(Object.fromEntries(stack.fake!.model.created)).toEqual({ 'faults-eks': 1 });
    expect(stack.proxy.plan.injected).toBeGreaterThan(10);
    expect(provider.retries).toBeGreaterThan(0);
    // Each mutating call that reached the fake more than once carried the same token each time.
    const creates = stack.fake!.requests.filter((r) => r.operation === 'CreateCluster');
    expect(new Set(creates.map((r) => r.token)).size).toBe(1);
    const updates = stack.fake!.requests.filter((r) => r.operation === 'UpdateClusterVersion' && r.status === 200);
    expect(new Set(updates.map((r) => r.token)).size).toBe(1);
  });
});
