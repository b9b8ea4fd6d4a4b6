import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toFailure } from '../../activities/errors.js';
import { refuseOperation } from '../../src/domain/cluster/lifecycle.js';
import { FAILURE_TYPES } from '../../src/domain/failure-types.js';
import { EksProvider } from '../../src/providers/eks/provider.js';
import { ACTIVITY_PROFILES } from '../../workflows/activity-profiles.js';

// DescribeCluster answers for a cluster EKS is still creating: no endpoint, no CA yet.
let server: Server;
let endpoint: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.method === 'GET' && req.url === '/clusters/web-1') {
      res.end(JSON.stringify({ cluster: { name: 'web-1', arn: 'arn:aws:eks:eu-west-1:123456789012:cluster/web-1', status: 'CREATING' } }));
    } else {
      res.statusCode = 404;
      res.end(JSON.stringify({ message: `no route ${req.method} ${req.url}` }));
    }
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

// Defect: providers threw TransientError('ClusterNotReady') here, but the entity's refusal had
// the same name and was non-retryable, so every retry policy stopped on it.
describe('a cluster that is not ready', () => {
  it('fails credentials while EKS still creates it with a failure every activity profile retries', async () => {
    const provider = new EksProvider({
      account: { name: 'test', provider: 'eks', region: 'eu-west-1', endpoint } as never,
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    });
    const err = await provider.credentials({ name: 'web-1', region: 'eu-west-1' }).then(() => undefined, (e: unknown) => e);
    expect(err).toMatchObject({ type: 'ClusterStarting', retryable: true, message: 'cluster web-1: EKS has no endpoint or CA for it yet (status CREATING)' });

    const failure = toFailure(err, 'web-1', 'getting credentials');
    expect(failure.nonRetryable).toBe(false);
    for (const [name, profile] of Object.entries(ACTIVITY_PROFILES)) {
      expect(profile.retry?.nonRetryableErrorTypes, name).not.toContain(failure.type);
    }
  });

  it('is refused an operation while not Active, finally, under another name than a starting cluster', () => {
    const state = { spec: { name: 'web-1', provider: 'eks' }, phase: 'Provisioning', health: { status: 'Unknown', reasons: [] }, history: [], registeredAt: '', updatedAt: '' };
    const refusal = refuseOperation(state as never, { id: 'upgrade/web-1', type: 'upgrade' });
    expect(refusal).toEqual({ type: 'ClusterNotActive', message: 'cluster web-1 is Provisioning: upgrade needs an Active or Degraded cluster' });
    expect(FAILURE_TYPES[refusal!.type].retryable).toBe(false);
    expect(refusal!.type).not.toBe('ClusterStarting');
  });
});
