import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASELINE_BUNDLE, baselineBundle, OBSERVER, SYSTEM_NAMESPACE } from '../../src/domain/bundle/baseline.js';
import { ClusterSpecSchema } from '../../src/domain/cluster/spec.js';
import { Toolchain } from '../../src/host/toolchain.js';
import { scanClusterForRemovedApis } from '../../src/kube/api-scan.js';
import { applyBundle } from '../../src/kube/apply.js';
import { checkClusterHealth } from '../../src/kube/cluster-health.js';
import type { ClusterCredentials } from '../../src/kube/credentials.js';
import { cordon } from '../../src/kube/drain.js';
import { KubeRest } from '../../src/kube/rest.js';
import { LocalProvider } from '../../src/providers/local/index.js';
import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import { kubeConfigFor } from '../../src/kube/client.js';
import { eventually } from '../helpers/fleet-env.js';

// The baseline's read-only identity (service account fleetflow-observer) on a real API server
// with RBAC: it can do what the health check and the removed-API scan need, and it cannot read
// a Secret or change anything.
const toolchain = new Toolchain();
const VERSION = toolchain.defaultKubeVersion;
const dataDir = mkdtempSync(join(tmpdir(), 'fleetflow-observer-'));
const provider = new LocalProvider({ dataDir, toolchain });
const ref = { name: 'observer', region: 'local' };
let admin: ClusterCredentials;
let observer: ClusterCredentials;

beforeAll(async () => {
  await provider.create({ ...ref, labels: {}, idempotencyKey: 'test/observer' });
  await provider.waitUntilRunning(ref);
  admin = await provider.credentials(ref);
  const manifests = baselineBundle(ClusterSpecSchema.parse({ name: 'observer', provider: 'local' }));
  await applyBundle(admin, { name: BASELINE_BUNDLE, revision: 'unversioned', manifests, options: { prune: false } }, { fieldManager: 'fleetflow' });
  const core = kubeConfigFor(admin).makeApiClient(CoreV1Api);
  const apps = kubeConfigFor(admin).makeApiClient(AppsV1Api);
  // A kube-system workload the health check reads, rolled out by the cluster's own controllers.
  const labels = { app: 'coredns' };
  await apps.createNamespacedDeployment({
    namespace: 'kube-system',
    body: { metadata: { name: 'coredns' }, spec: { replicas: 2, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'coredns', image: 'registry.local/coredns:1' }] } } } },
  });
  await eventually(() => apps.readNamespacedDeployment({ namespace: 'kube-system', name: 'coredns' }), (d) => d.status?.availableReplicas === 2, 60_000);
  await core.createNamespacedSecret({ namespace: 'default', body: { metadata: { name: 'db-password' }, stringData: { password: 'hunter2' } } });
  await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'app-config' }, data: { dsn: 'postgres://app@db' } } });
  // A short-lived token for the service account, as `kubectl create token` makes one.
  const { status } = await core.createNamespacedServiceAccountToken({ name: OBSERVER, namespace: SYSTEM_NAMESPACE, body: { spec: { audiences: [], expirationSeconds: 600 } } });
  if (!status?.token) throw new Error('the API server made no token for the observer');
  observer = { endpoint: admin.endpoint, caPem: admin.caPem, auth: { kind: 'bearerToken', token: status.token } };
});

afterAll(async () => {
  await provider.delete(ref);
  rmSync(dataDir, { recursive: true, force: true });
});

/** The HTTP status of one GET as `creds`. */
async function statusOf(creds: ClusterCredentials, path: string): Promise<number> {
  const rest = new KubeRest(creds);
  try {
    await rest.request('GET', path);
    return 200;
  } catch (e) {
    return (e as { code?: number }).code ?? 0;
  } finally {
    rest.close();
  }
}

describe('the fleetflow-observer identity', () => {
  it('cannot read Secrets, in a namespace or across the cluster', async () => {
    expect(await statusOf(admin, '/api/v1/namespaces/default/secrets/db-password')).toBe(200);
    expect(await statusOf(observer, '/api/v1/namespaces/default/secrets/db-password')).toBe(403);
    expect(await statusOf(observer, '/api/v1/secrets')).toBe(403);
  });

  it('reads ConfigMaps only in fleetflow-system (bundle revisions, cluster-info)', async () => {
    expect(await statusOf(observer, `/api/v1/namespaces/${SYSTEM_NAMESPACE}/configmaps/cluster-info`)).toBe(200);
    expect(await statusOf(observer, '/api/v1/namespaces/default/configmaps/app-config')).toBe(403);
  });

  it('runs the health check with the same verdict as the admin, and the removed-API scan', async () => {
    const asAdmin = await checkClusterHealth(admin);
    const asObserver = await checkClusterHealth(observer);
    expect(asObserver).toMatchObject({ status: 'Healthy', version: VERSION, nodes: { ready: 2, total: 2 } });
    expect(asObserver.reasons).toEqual(asAdmin.reasons);
    const scan = await scanClusterForRemovedApis(observer, '1.36');
    expect(scan.scannedObjects).toBeGreaterThan(0);
  });

  it('reads what a drain reads but changes nothing', async () => {
    expect(await statusOf(observer, '/api/v1/pods?fieldSelector=spec.nodeName%3Dobserver-default-0')).toBe(200);
    await expect(cordon(observer, 'observer-default-0')).rejects.toMatchObject({ retryable: false, message: expect.stringContaining('403') });
  });
});
