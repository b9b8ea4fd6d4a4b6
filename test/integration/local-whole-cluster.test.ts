import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BatchV1Api, CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BundleManifest } from '../../src/domain/bundle/bundle.js';
import { Toolchain } from '../../src/host/toolchain.js';
import { applyBundle } from '../../src/kube/apply.js';
import { kubeConfigFor } from '../../src/kube/client.js';
import type { ClusterCredentials } from '../../src/kube/credentials.js';
import { rolloutRefs, waitForRollout } from '../../src/kube/rollout.js';
import { LocalProvider } from '../../src/providers/local/index.js';
import { clusterPaths } from '../../src/providers/local/paths.js';
import { eventually } from '../helpers/fleet-env.js';

// One whole local cluster with two node pools: the real controller manager and scheduler of
// the release, and KWOK playing the kubelets. Nothing here writes a status by hand.
const run = promisify(execFile);
const toolchain = new Toolchain();
const VERSION = toolchain.defaultKubeVersion;
const dataDir = mkdtempSync(join(tmpdir(), 'fleetflow-whole-'));
const provider = new LocalProvider({ dataDir, toolchain });
const CLUSTER = { name: 'whole', region: 'local' };
const FM = { fieldManager: 'fleetflow' };
let creds: ClusterCredentials;
let core: CoreV1Api;

beforeAll(async () => {
  await provider.create({
    ...CLUSTER,
    labels: {},
    idempotencyKey: 'test/whole',
    nodePools: [
      { name: 'web', nodeCount: 3, machineType: 'e2-standard-2' },
      { name: 'batch', nodeCount: 1, machineType: 'small' },
    ],
  });
  await provider.waitUntilRunning(CLUSTER);
  creds = await provider.credentials(CLUSTER);
  core = kubeConfigFor(creds).makeApiClient(CoreV1Api);
});

afterAll(async () => {
  for (const c of await provider.list()) await provider.delete({ name: c.name, region: 'local' });
  rmSync(dataDir, { recursive: true, force: true });
});

const kubectl = (...args: string[]) => run(toolchain.kubectl(), ['--kubeconfig', provider.kubeconfigPath(CLUSTER.name), ...args]);
const ns = (name: string): BundleManifest => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
const template = (app: string, image: string) => ({ metadata: { labels: { app } }, spec: { containers: [{ name: 'app', image, resources: { requests: { cpu: '100m', memory: '64Mi' } } }] } });
const deployment = (namespace: string, name: string, image: string, more: Record<string, unknown> = {}): BundleManifest => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace },
  spec: { replicas: 3, selector: { matchLabels: { app: name } }, template: template(name, image), ...more },
});
const podsOf = async (namespace: string, app: string): Promise<V1Pod[]> => (await core.listNamespacedPod({ namespace, labelSelector: `app=${app}` })).items;
const isReady = (p: V1Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

describe('a whole local cluster', () => {
  it("registers each pool's nodes, Ready at the cluster's version and labelled as cloud nodes are", async () => {
    const nodes = (await core.listNode()).items;
    expect(nodes.map((n) => n.metadata!.name).sort()).toEqual(['whole-batch-0', 'whole-web-0', 'whole-web-1', 'whole-web-2']);
    for (const n of nodes) {
      expect(n.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
      expect(n.status?.nodeInfo?.kubeletVersion).toBe(`v${VERSION}`);
    }
    const web0 = nodes.find((n) => n.metadata!.name === 'whole-web-0')!;
    expect(web0.metadata?.labels).toMatchObject({
      'fleetflow.dev/node-pool': 'web',
      'node.kubernetes.io/instance-type': 'e2-standard-2',
      'topology.kubernetes.io/region': 'local',
      'topology.kubernetes.io/zone': 'local-a',
    });
    expect(web0.status?.allocatable).toMatchObject({ cpu: '2', memory: '8Gi', pods: '110' });
    expect((await provider.describe(CLUSTER)).nodePools).toEqual([
      { name: 'web', status: 'Running', version: VERSION },
      { name: 'batch', status: 'Running', version: VERSION },
    ]);
    // What a person sees with kubectl.
    const { stdout } = await kubectl('get', 'nodes', '--no-headers', '-o', 'custom-columns=NAME:.metadata.name,STATUS:.status.conditions[-1:].type,VERSION:.status.nodeInfo.kubeletVersion');
    expect(stdout).toMatch(new RegExp(`whole-web-1\\s+\\S+\\s+v${VERSION.replace(/\./g, '\\.')}`));
  });

  it('rolls a Deployment out through the real controllers, the scheduler and KWOK, onto the pool nodes', async () => {
    const good = deployment('shop', 'web', 'registry.local/web:1');
    await applyBundle(creds, { name: 'shop', revision: '1', manifests: [ns('shop'), good] }, FM);
    const progress: string[] = [];
    const report = await waitForRollout(creds, rolloutRefs([good]), { deadlineMs: 60_000, intervalMs: 200, onProgress: (r) => progress.push(r.workloads[0]!.reason) });
    expect(report).toMatchObject({ status: 'Ready', workloads: [{ state: 'Ready', reason: 'RolledOut' }] });
    expect(progress.length).toBeGreaterThan(0); // it was seen progressing before it was done
    const pods = await podsOf('shop', 'web');
    expect(pods).toHaveLength(3);
    for (const p of pods) {
      expect(p.status?.phase).toBe('Running');
      expect(isReady(p)).toBe(true);
      expect(p.spec?.nodeName).toMatch(/^whole-(web|batch)-\d$/); // placed by the scheduler
      expect(p.status?.podIP).toMatch(/^10\.244\./);
    }
  });

  it('calls a revision whose image fails Stuck, with ProgressDeadlineExceeded from the real deployment controller, and keeps the old pods', async () => {
    const bad = deployment('shop', 'web', 'registry.local/web:fail', { progressDeadlineSeconds: 5 });
    await applyBundle(creds, { name: 'shop', revision: '2', manifests: [ns('shop'), bad] }, FM);
    const report = await waitForRollout(creds, rolloutRefs([bad]), { deadlineMs: 90_000, intervalMs: 250 });
    expect(report.status).toBe('Stuck');
    expect(report.workloads[0]).toMatchObject({ state: 'Stuck', condition: 'Progressing', reason: 'ProgressDeadlineExceeded' });
    expect(report.workloads[0]!.message).toMatch(/^ReplicaSet "web-[a-z0-9]+" has timed out progressing\.$/);
    // maxUnavailable 25% of 3 is 0: the old pods all stay Ready, the surge pod crash-loops.
    const pods = await podsOf('shop', 'web');
    const failing = pods.filter((p) => p.spec?.containers[0]?.image === 'registry.local/web:fail');
    expect(failing.length).toBeGreaterThan(0);
    for (const p of failing) {
      expect(isReady(p)).toBe(false);
      expect(p.status?.containerStatuses?.[0]?.state?.waiting?.reason).toBe('CrashLoopBackOff');
    }
    expect(pods.filter((p) => p.spec?.containers[0]?.image === 'registry.local/web:1' && isReady(p))).toHaveLength(3);
    // Rolling back (re-applying the good revision) makes it available again.
    const good = deployment('shop', 'web', 'registry.local/web:1', { progressDeadlineSeconds: 5 });
    await applyBundle(creds, { name: 'shop', revision: '3', manifests: [ns('shop'), good] }, FM);
    expect((await waitForRollout(creds, rolloutRefs([good]), { deadlineMs: 60_000, intervalMs: 250 })).status).toBe('Ready');
  });

  it('keeps a pod annotated fleetflow.dev/simulate: fail from becoming Ready, whatever its image', async () => {
    await core.createNamespacedPod({
      namespace: 'shop',
      body: { metadata: { name: 'flaky', annotations: { 'fleetflow.dev/simulate': 'fail' } }, spec: { containers: [{ name: 'app', image: 'registry.local/web:1' }] } },
    });
    const pod = await eventually(() => core.readNamespacedPod({ namespace: 'shop', name: 'flaky' }), (p) => p.status?.phase === 'Running', 30_000);
    expect(isReady(pod)).toBe(false);
    expect(pod.status?.containerStatuses?.[0]?.state?.waiting?.reason).toBe('CrashLoopBackOff');
  });

  it('rolls out a StatefulSet and a DaemonSet (one pod on each of the four nodes) and runs a Job to completion', async () => {
    const sts: BundleManifest = {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db', namespace: 'shop' },
      spec: { replicas: 2, serviceName: 'db', selector: { matchLabels: { app: 'db' } }, template: template('db', 'registry.local/db:1') },
    };
    const ds: BundleManifest = {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'agent', namespace: 'shop' },
      spec: { selector: { matchLabels: { app: 'agent' } }, template: template('agent', 'registry.local/agent:1') },
    };
    const job: BundleManifest = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'migrate', namespace: 'shop' },
      spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'migrate', image: 'registry.local/migrate:1' }] } } },
    };
    await applyBundle(creds, { name: 'shop-more', revision: '1', manifests: [sts, ds, job] }, FM);
    const report = await waitForRollout(creds, rolloutRefs([sts, ds]), { deadlineMs: 60_000, intervalMs: 250 });
    expect(report.workloads.map((w) => [w.ref.kind, w.state, w.message])).toEqual([
      ['StatefulSet', 'Ready', expect.stringMatching(/^2 pods at revision db-/)],
      ['DaemonSet', 'Ready', '4 of 4 pods updated and available'],
    ]);
    const batch = kubeConfigFor(creds).makeApiClient(BatchV1Api);
    const done = await eventually(() => batch.readNamespacedJob({ namespace: 'shop', name: 'migrate' }), (j) => (j.status?.succeeded ?? 0) === 1, 60_000);
    expect(done.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True')).toBe(true);
  });

  it('runs KWOK as a user of its own that may move nodes and pods along, and no more (not system:masters)', async () => {
    const can = async (...args: string[]) => (await kubectl('auth', 'can-i', '--as', 'fleetflow-kwok', ...args).catch((e: { stdout: string }) => e)).stdout.trim();
    expect(await can('patch', 'pods', '--subresource=status', '-A')).toBe('yes');
    expect(await can('update', 'leases', '-n', 'kube-node-lease')).toBe('yes');
    expect(await can('get', 'secrets', '-A')).toBe('no');
    expect(await can('create', 'deployments', '-n', 'default')).toBe('no');
    expect(await can('create', 'clusterrolebindings')).toBe('no');
    // Nothing it tried was refused while the tests above ran workloads through it.
    expect(await readFile(clusterPaths(dataDir, CLUSTER.name).kwokLog, 'utf8')).not.toMatch(/forbidden/i);
  });
});

describe('a local cluster made before local clusters were whole', () => {
  it('starts again with etcd and kube-apiserver, and gains the controllers, the scheduler, KWOK and a default pool', async () => {
    const ref = { name: 'legacy', region: 'local' };
    await provider.create({ ...ref, labels: {}, idempotencyKey: 'test/legacy' });
    await provider.stop(ref);
    // What state.json held before: two processes, three ports, no node pools.
    const paths = clusterPaths(dataDir, 'legacy');
    const state = JSON.parse(await readFile(paths.state, 'utf8'));
    delete state.components;
    delete state.nodePools;
    delete state.ports.controllerManager;
    delete state.ports.scheduler;
    state.pids = {};
    await writeFile(paths.state, JSON.stringify(state));
    for (const f of [paths.controllerManagerKubeconfig, paths.schedulerKubeconfig, paths.kwokKubeconfig, paths.kwokConfig, paths.schedulerConfig]) rmSync(f);
    for (const f of ['kube-controller-manager', 'kube-scheduler', 'kwok']) rmSync(join(paths.certs, `${f}.crt`));
    expect((await provider.describe(ref)).status).toBe('Stopped');

    await provider.start(ref);
    expect(Object.keys(await provider.processes(ref)).sort()).toEqual(['apiserver', 'controllerManager', 'etcd', 'kwok', 'scheduler']);
    const running = await provider.waitUntilRunning(ref);
    expect(running.nodePools).toEqual([{ name: 'default', status: 'Running', version: VERSION }]);
    const after = JSON.parse(await readFile(paths.state, 'utf8'));
    expect(after.components).toEqual(['etcd', 'apiserver', 'controllerManager', 'scheduler', 'kwok']);
    expect(existsSync(paths.kwokConfig)).toBe(true);
    await provider.delete(ref);
  });
});
