import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterHealthActivities } from '../../activities/cluster-health.js';
import { checkClusterHealth } from '../../src/kube/cluster-health.js';
import { LocalProvider } from '../../src/providers/local/index.js';
import { ProviderRegistry } from '../../src/providers/registry.js';
import type { ClusterCredentials } from '../../src/kube/credentials.js';
import { Toolchain } from '../../src/host/toolchain.js';
import { fakeControllers } from '../helpers/kube-controllers.js';

const toolchain = new Toolchain();
const VERSION = toolchain.defaultKubeVersion;
const MINOR = VERSION.split('.').slice(0, 2).join('.');
const dataDir = mkdtempSync(join(tmpdir(), 'fleetflow-health-'));
const provider = new LocalProvider({ dataDir, toolchain });
const ref = { name: 'health', region: 'local' };
const target = { ...ref, provider: 'local' as const };
const activities = clusterHealthActivities(new ProviderRegistry([provider]));
let creds: ClusterCredentials;
let fake: ReturnType<typeof fakeControllers>;

beforeAll(async () => {
  await provider.create({ ...ref, labels: {}, idempotencyKey: 'test/health' });
  await provider.waitUntilRunning(ref);
  creds = await provider.credentials(ref);
  fake = fakeControllers(creds);
});

afterAll(async () => {
  await provider.delete(ref);
  rmSync(dataDir, { recursive: true, force: true });
});

describe('cluster health on a real API server', () => {
  it('calls a control plane with no nodes Healthy, through the activity', async () => {
    const report = await activities.checkClusterHealth({ target, expectedVersion: MINOR });
    expect(report).toMatchObject({ status: 'Healthy', version: VERSION, nodes: { ready: 0, total: 0 } });
    expect(report.reasons).toContain('no nodes registered (control plane only)');
    expect(Date.parse(report.checkedAt!)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('is Healthy with Ready nodes and available kube-system workloads', async () => {
    await fake.node('node-a');
    await fake.node('node-b');
    await fake.deployment('kube-system', 'coredns', 2, 2);
    await fake.daemonSet('kube-system', 'kube-proxy', 2, 2);
    const report = await checkClusterHealth(creds, { expectedVersion: MINOR });
    expect(report).toEqual({
      status: 'Healthy',
      checkedAt: expect.any(String),
      reasons: ['API server ready', `version ${VERSION}`, '2/2 nodes Ready', 'kube-system: 2 workloads available'],
      version: VERSION,
      nodes: { ready: 2, total: 2 },
    });
  });

  it('is Degraded, naming the node, when a node goes NotReady, and Healthy again when it recovers', async () => {
    await fake.setNodeReady('node-b', false);
    expect(await checkClusterHealth(creds)).toMatchObject({ status: 'Degraded', reasons: ['1 of 2 nodes NotReady: node-b'], nodes: { ready: 1, total: 2 } });
    await fake.setNodeReady('node-b', true);
    expect((await checkClusterHealth(creds)).status).toBe('Healthy');
  });

  it('is Degraded when a kube-system Deployment is unavailable', async () => {
    await fake.setDeploymentAvailable('kube-system', 'coredns', 0);
    expect(await checkClusterHealth(creds)).toMatchObject({ status: 'Degraded', reasons: ['kube-system Deployment coredns: 0/2 available'] });
    await fake.setDeploymentAvailable('kube-system', 'coredns', 2);
  });

  it('is Degraded when the server runs another release than expected', async () => {
    expect(await checkClusterHealth(creds, { expectedVersion: '1.99' })).toMatchObject({
      status: 'Degraded',
      reasons: [`API server runs ${VERSION}, expected 1.99`],
    });
  });

  it('refuses a malformed input at once, non-retryable, naming the field', async () => {
    const err = await activities.checkClusterHealth({ target, expectedVersion: 'soon' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ type: 'InvalidInput', nonRetryable: true });
    expect((err as Error).message).toContain('input.expectedVersion');
  });

  it('is Unreachable, not an error, when the control plane is stopped', async () => {
    await provider.stop(ref);
    const started = Date.now();
    const report = await activities.checkClusterHealth({ target });
    expect(report.status).toBe('Unreachable');
    expect(report.reasons[0]).toMatch(/^API server unreachable: .*ECONNREFUSED/);
    expect(report.nodes).toEqual({ ready: 0, total: 0 });
    expect(Date.now() - started).toBeLessThan(6_000);
  });
});
