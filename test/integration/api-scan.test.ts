import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AutoscalingV1Api, AutoscalingV2Api, BatchV1Api, CoreV1Api, NetworkingV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiScanActivities } from '../../activities/api-scan.js';
import { describeFinding } from '../../src/domain/upgrade/removed-apis.js';
import { scanClusterForRemovedApis } from '../../src/kube/api-scan.js';
import { kubeConfigFor } from '../../src/kube/client.js';
import { LocalProvider } from '../../src/providers/local/index.js';
import { ProviderRegistry } from '../../src/providers/registry.js';
import type { ClusterCredentials } from '../../src/kube/credentials.js';
import { Toolchain } from '../../src/host/toolchain.js';

const toolchain = new Toolchain();
const dataDir = mkdtempSync(join(tmpdir(), 'fleetflow-api-scan-'));
const provider = new LocalProvider({ dataDir, toolchain });
const ref = { name: 'scan', region: 'local' };
const target = { ...ref, provider: 'local' as const };
let creds: ClusterCredentials;

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
/** The annotation `kubectl apply -f` leaves: the manifest as applied, at the version it was written in. */
const lastApplied = (apiVersion: string, kind: string, name: string) => ({ [LAST_APPLIED]: JSON.stringify({ apiVersion, kind, metadata: { name, namespace: 'shop' } }) });

beforeAll(async () => {
  await provider.create({ ...ref, labels: {}, idempotencyKey: 'test/scan' });
  await provider.waitUntilRunning(ref);
  creds = await provider.credentials(ref);
  const kc = kubeConfigFor(creds);
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: 'shop' } } });
  const backend = { service: { name: 'web', port: { number: 80 } } };
  // Applied from manifests still written for networking.k8s.io/v1beta1 and batch/v1beta1 (the
  // server stores them at v1; only the annotation remembers what the manifest said).
  await kc.makeApiClient(NetworkingV1Api).createNamespacedIngress({
    namespace: 'shop',
    body: { metadata: { name: 'web', annotations: lastApplied('networking.k8s.io/v1beta1', 'Ingress', 'web') }, spec: { defaultBackend: backend } },
  });
  const job = { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10' }] } } };
  await kc.makeApiClient(BatchV1Api).createNamespacedCronJob({
    namespace: 'shop',
    body: { metadata: { name: 'report', annotations: lastApplied('batch/v1beta1', 'CronJob', 'report') }, spec: { schedule: '0 * * * *', jobTemplate: { spec: job } } },
  });
  // Up to date: applied as batch/v1.
  await kc.makeApiClient(BatchV1Api).createNamespacedCronJob({
    namespace: 'shop',
    body: { metadata: { name: 'cleanup', annotations: lastApplied('batch/v1', 'CronJob', 'cleanup') }, spec: { schedule: '0 0 * * *', jobTemplate: { spec: job } } },
  });
  // Two HorizontalPodAutoscalers written by two managers through two served versions.
  const hpa = (name: string) => ({ metadata: { name }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name }, maxReplicas: 3 } });
  await kc.makeApiClient(AutoscalingV1Api).createNamespacedHorizontalPodAutoscaler({ namespace: 'shop', body: hpa('web'), fieldManager: 'ci-pipeline' });
  await kc.makeApiClient(AutoscalingV2Api).createNamespacedHorizontalPodAutoscaler({ namespace: 'shop', body: hpa('api'), fieldManager: 'helm' });
});

afterAll(async () => {
  await provider.delete(ref);
  rmSync(dataDir, { recursive: true, force: true });
});

describe('removed-API scan of a real API server', () => {
  it('finds objects last applied at a version the target release removed, and nothing else', async () => {
    const result = await scanClusterForRemovedApis(creds, '1.36');
    expect(result.findings).toEqual([
      { apiVersion: 'batch/v1beta1', kind: 'CronJob', namespace: 'shop', name: 'report', removedIn: '1.25', replacement: 'batch/v1', source: 'lastApplied' },
      { apiVersion: 'networking.k8s.io/v1beta1', kind: 'Ingress', namespace: 'shop', name: 'web', removedIn: '1.22', replacement: 'networking.k8s.io/v1', source: 'lastApplied' },
    ]);
    expect(result.findings.map(describeFinding)).toContain('Ingress shop/web uses networking.k8s.io/v1beta1 (last applied): removed in 1.22; use networking.k8s.io/v1');
    // A 1.35 server serves none of the removed versions of the official table.
    expect(result.served).toEqual([]);
    // The bootstrap RBAC roles and the objects above were read.
    expect(result.scannedObjects).toBeGreaterThan(50);
  });

  it('judges by the target: before 1.22 neither version was removed yet', async () => {
    expect((await scanClusterForRemovedApis(creds, '1.21')).findings).toEqual([]);
    expect((await scanClusterForRemovedApis(creds, '1.22')).findings.map((f) => f.kind)).toEqual(['Ingress']);
  });

  it('finds the field managers whose last write used a removed version the server still serves', async () => {
    // The official table has no removal a 1.35 server still serves, so this entry is made up:
    // it says autoscaling/v1 goes in "1.99". The managedFields are the server's own records.
    const table = [{ apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', removedIn: '1.99', replacement: 'autoscaling/v2' }];
    const result = await scanClusterForRemovedApis(creds, '1.99', { table });
    expect(result.findings).toEqual([
      { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', namespace: 'shop', name: 'web', removedIn: '1.99', replacement: 'autoscaling/v2', source: 'managedFields', manager: 'ci-pipeline' },
    ]);
    expect(result.served).toEqual([{ ...table[0], objects: 2 }]);
    expect(result.scannedObjects).toBe(2); // listed through both versions, counted once
  });

  it('scans the cluster and a bundle through the activity', async () => {
    const activities = apiScanActivities(new ProviderRegistry([provider]));
    const report = await activities.scanRemovedApis({
      target,
      targetVersion: 'v1.36',
      manifests: [
        { apiVersion: 'policy/v1beta1', kind: 'PodDisruptionBudget', metadata: { name: 'web', namespace: 'shop' }, spec: { minAvailable: 1 } },
        { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'api', namespace: 'shop' } },
      ],
    });
    expect(report.targetVersion).toBe('1.36');
    expect(report.cluster.map((f) => `${f.kind} ${f.name}`)).toEqual(['CronJob report', 'Ingress web']);
    expect(report.manifests).toEqual([
      { apiVersion: 'policy/v1beta1', kind: 'PodDisruptionBudget', namespace: 'shop', name: 'web', removedIn: '1.25', replacement: 'policy/v1', source: 'manifest' },
    ]);
  });
});
