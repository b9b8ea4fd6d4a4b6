import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleActivities } from '../../activities/bundles.js';
import { parentRefFor } from '../../src/domain/bundle/applyset.js';
import type { BundleInput, BundleManifest } from '../../src/domain/bundle/bundle.js';
import { FleetflowError } from '../../src/errors.js';
import { applyBundle } from '../../src/kube/apply.js';
import { applySetId } from '../../src/kube/applyset.js';
import { diffBundle, type BundleDiff } from '../../src/kube/diff.js';
import { KubeRest } from '../../src/kube/rest.js';
import { rolloutRefs, waitForRollout } from '../../src/kube/rollout.js';
import { LocalProvider } from '../../src/providers/local/index.js';
import { ProviderRegistry } from '../../src/providers/registry.js';
import type { ClusterCredentials } from '../../src/kube/credentials.js';
import { Toolchain } from '../../src/host/toolchain.js';

// One whole local cluster: its controllers, scheduler and KWOK roll Deployments out for real.
const run = promisify(execFile);
const toolchain = new Toolchain();
const dataDir = mkdtempSync(join(tmpdir(), 'fleetflow-bundles-'));
const provider = new LocalProvider({ dataDir, toolchain });
const CLUSTER = { name: 'bundles', region: 'local' };
const FM = { fieldManager: 'fleetflow' };
let creds: ClusterCredentials;
let rest: KubeRest;

beforeAll(async () => {
  await provider.create({ ...CLUSTER, labels: {}, idempotencyKey: 'test/bundles' });
  await provider.waitUntilRunning(CLUSTER);
  creds = await provider.credentials(CLUSTER);
  rest = new KubeRest(creds);
});

afterAll(async () => {
  rest?.close();
  await provider.delete(CLUSTER);
  rmSync(dataDir, { recursive: true, force: true });
});

const kubectl = (...args: string[]) => run(toolchain.kubectl(), ['--kubeconfig', provider.kubeconfigPath(CLUSTER.name), ...args]);
const get = async <T = Record<string, any>>(path: string): Promise<T | undefined> =>
  rest.request<T>('GET', path).then((r) => r.body, (e: { code?: number }) => (e.code === 404 ? undefined : Promise.reject(e)));

const ns = (name: string): BundleManifest => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
const cm = (namespace: string, name: string, data: Record<string, string> = { a: '1' }): BundleManifest => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data });
const deployment = (namespace: string, name: string, image = 'registry.local/web:1', replicas = 2): BundleManifest => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'web', image, ports: [{ containerPort: 8080 }] }] } },
  },
});

function web(space: string): BundleManifest[] {
  return [
    cm(space, 'settings', { tier: 'gold' }), // before its namespace on purpose
    ns(space),
    deployment(space, 'web'),
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: space }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'web', namespace: space } },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'read', namespace: space }, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }] },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'read', namespace: space },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'read' },
      subjects: [{ kind: 'ServiceAccount', name: 'web', namespace: space }],
    },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: `${space}-reader` }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['list'] }] },
  ];
}

describe('applyBundle', () => {
  it('applies a bundle namespace-first, then re-applies it as a no-op, and records the ApplySet parent', async () => {
    const bundle: BundleInput = { name: 'web', revision: 'r1', manifests: web('web') };
    const first = await applyBundle(creds, bundle, FM);
    expect(first.map((o) => `${o.kind} ${o.namespace ?? ''}/${o.name} ${o.action}`)).toEqual([
      'Namespace /web created',
      'ConfigMap web/settings created',
      'Deployment web/web created',
      'Service web/web created',
      'ServiceAccount web/web created',
      'Role web/read created',
      'RoleBinding web/read created',
      'ClusterRole /web-reader created',
    ]);
    const rv = async () => (await get('/apis/apps/v1/namespaces/web/deployments/web'))!.metadata.resourceVersion as string;
    const rvBefore = await rv();

    const again = await applyBundle(creds, bundle, FM);
    expect(again.map((o) => o.action)).toEqual(Array(8).fill('unchanged'));
    expect(await rv()).toBe(rvBefore); // nothing was written

    const id = applySetId(parentRefFor('web'));
    const parent = await get('/api/v1/namespaces/fleetflow-system/configmaps/applyset-web');
    expect(parent!.metadata.labels).toMatchObject({ 'applyset.kubernetes.io/id': id });
    expect(parent!.metadata.annotations).toEqual({
      'applyset.kubernetes.io/tooling': 'fleetflow/v1',
      'applyset.kubernetes.io/contains-group-kinds': 'ClusterRole.rbac.authorization.k8s.io,ConfigMap,Deployment.apps,Namespace,Role.rbac.authorization.k8s.io,RoleBinding.rbac.authorization.k8s.io,Service,ServiceAccount',
      'applyset.kubernetes.io/additional-namespaces': 'web',
      'fleetflow.io/revision': 'r1',
    });
    const members = await kubectl('get', 'configmaps,deployments,clusterroles', '-A', '-l', `applyset.kubernetes.io/part-of=${id}`, '-o', 'name');
    expect(members.stdout.trim().split('\n').sort()).toEqual(['clusterrole.rbac.authorization.k8s.io/web-reader', 'configmap/settings', 'deployment.apps/web']);
  });

  it('computes ApplySet ids as kubectl does, and kubectl recognizes the set as Fleetflow’s', async () => {
    // kubectl (ApplySet support is alpha, behind KUBECTL_APPLYSET) makes its own parent: same id rule.
    const env = { ...process.env, KUBECTL_APPLYSET: 'true' };
    const manifest = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [ns('kubectl-set'), cm('kubectl-set', 'member')] });
    const file = join(dataDir, 'kset.json');
    writeFileSync(file, manifest);
    const kubeconfig = provider.kubeconfigPath(CLUSTER.name);
    await run(toolchain.kubectl(), ['--kubeconfig', kubeconfig, 'create', 'namespace', 'kubectl-set']);
    await run(toolchain.kubectl(), ['--kubeconfig', kubeconfig, 'apply', '--server-side', '--prune', '--applyset=configmaps/kset', '-n', 'kubectl-set', '-f', file], { env });
    const kset = await get('/api/v1/namespaces/kubectl-set/configmaps/kset');
    expect(kset!.metadata.labels['applyset.kubernetes.io/id']).toBe(applySetId({ group: '', kind: 'ConfigMap', namespace: 'kubectl-set', name: 'kset' }));

    // kubectl reads our parent, checks its id and refuses to mutate a set another tool manages.
    const refused = await run(toolchain.kubectl(), ['--kubeconfig', kubeconfig, 'apply', '--server-side', '--prune', '--applyset=configmaps/applyset-web', '-n', 'fleetflow-system', '-f', file], { env }).then(
      () => '',
      (e: { stderr?: string }) => e.stderr ?? '',
    );
    expect(refused).toContain('managed by tooling "fleetflow" instead of "kubectl"');
  });

  it('reports configured for exactly the objects a new revision changes', async () => {
    const manifests = web('web');
    (manifests[0] as unknown as { data: Record<string, string> }).data.tier = 'silver';
    const out = await applyBundle(creds, { name: 'web', revision: 'r2', manifests }, FM);
    expect(out.filter((o) => o.action !== 'unchanged')).toEqual([{ kind: 'ConfigMap', namespace: 'web', name: 'settings', action: 'configured' }]);
  });

  it('re-applying the same revision still repairs what others deleted or took, and ignores what is not ours', async () => {
    // The re-apply skips objects whose manifest and owned fields are as last applied: this
    // checks that every kind of outside change still reaches the server.
    const manifests = web('web');
    (manifests[0] as unknown as { data: Record<string, string> }).data.tier = 'silver';
    const bundle: BundleInput = { name: 'web', revision: 'r2', manifests, options: { force: true } };
    await kubectl('label', 'configmap', 'settings', '-n', 'web', 'extra=theirs'); // not a field we own
    expect((await applyBundle(creds, bundle, FM)).every((o) => o.action === 'unchanged')).toBe(true);

    await kubectl('delete', 'role', 'read', '-n', 'web');
    await kubectl('scale', 'deployment', 'web', '-n', 'web', '--replicas=5'); // takes .spec.replicas
    const out = await applyBundle(creds, bundle, FM);
    expect(out.filter((o) => o.action !== 'unchanged').map((o) => `${o.kind} ${o.name} ${o.action}`)).toEqual(['Deployment web configured', 'Role read created']);
    expect((await get('/apis/apps/v1/namespaces/web/deployments/web'))!.spec.replicas).toBe(2);
    expect((await get('/api/v1/namespaces/web/configmaps/settings'))!.metadata.labels.extra).toBe('theirs');
  });

  it('applies a CRD and its custom resources in one bundle, the resources after the CRD is Established', async () => {
    const crd: BundleManifest = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'crontabs.stable.example.com' },
      spec: {
        group: 'stable.example.com',
        scope: 'Namespaced',
        names: { plural: 'crontabs', singular: 'crontab', kind: 'CronTab' },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { cron: { type: 'string' } } } } } } }],
      },
    };
    const tab = (name: string, cron: string): BundleManifest => ({ apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name, namespace: 'jobs' }, spec: { cron } });
    // Custom resources first in the file: the order must come from the dependencies.
    const manifests = [tab('nightly', '0 3 * * *'), tab('hourly', '0 * * * *'), crd, ns('jobs')];
    const out = await applyBundle(creds, { name: 'jobs', revision: '1', manifests }, FM);
    expect(out.map((o) => `${o.kind} ${o.name} ${o.action}`)).toEqual([
      'CustomResourceDefinition crontabs.stable.example.com created',
      'Namespace jobs created',
      'CronTab nightly created',
      'CronTab hourly created',
    ]);
    expect((await get('/apis/stable.example.com/v1/namespaces/jobs/crontabs/nightly'))!.spec).toEqual({ cron: '0 3 * * *' });
    expect((await applyBundle(creds, { name: 'jobs', revision: '1', manifests }, FM)).map((o) => o.action)).toEqual(Array(4).fill('unchanged'));

    // The next revision drops one custom resource: only it is pruned.
    const out2 = await applyBundle(creds, { name: 'jobs', revision: '2', manifests: [tab('nightly', '0 3 * * *'), crd, ns('jobs')] }, FM);
    expect(out2.filter((o) => o.action !== 'unchanged')).toEqual([{ kind: 'CronTab', namespace: 'jobs', name: 'hourly', action: 'pruned' }]);
    expect(await get('/apis/stable.example.com/v1/namespaces/jobs/crontabs/hourly')).toBeUndefined();
  });

  it('prunes exactly what left the bundle and nothing outside its inventory', async () => {
    const rev1 = [ns('shop'), cm('shop', 'keep'), cm('shop', 'drop'), deployment('shop', 'api'), ns('shop-extra'), cm('shop-extra', 'extra'), { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'shop-admin' }, rules: [] } as BundleManifest];
    await applyBundle(creds, { name: 'shop', revision: '1', manifests: rev1 }, FM);
    // Neighbours that must survive: same kinds, same namespace, not in this bundle's inventory.
    await applyBundle(creds, { name: 'shop-other', revision: '1', manifests: [cm('shop', 'other-bundle')] }, FM);
    await kubectl('create', 'configmap', 'by-hand', '-n', 'shop', '--from-literal=x=1');
    await kubectl('create', 'configmap', 'by-hand-labelled', '-n', 'shop', '--from-literal=x=1');
    await kubectl('label', 'configmap', 'by-hand-labelled', '-n', 'shop', 'fleetflow.io/bundle=shop'); // our bundle label, but not a member

    const out = await applyBundle(creds, { name: 'shop', revision: '2', manifests: [ns('shop'), cm('shop', 'keep')] }, FM);
    expect(out.filter((o) => o.action === 'pruned').map((o) => `${o.kind} ${o.namespace ?? ''}/${o.name}`).sort()).toEqual([
      'ClusterRole /shop-admin',
      'ConfigMap shop-extra/extra',
      'ConfigMap shop/drop',
      'Deployment shop/api',
      'Namespace /shop-extra',
    ]);
    const left = await kubectl('get', 'configmaps', '-n', 'shop', '-o', 'name');
    // kube-root-ca.crt is the one the root-CA publisher puts in every namespace.
    expect(left.stdout.trim().split('\n').sort()).toEqual(['configmap/by-hand', 'configmap/by-hand-labelled', 'configmap/keep', 'configmap/kube-root-ca.crt', 'configmap/other-bundle']);
    expect(await get('/apis/rbac.authorization.k8s.io/v1/clusterroles/shop-admin')).toBeUndefined();
    // The pruned namespace is Terminating until the namespace controller has emptied it, then gone.
    expect((await get('/api/v1/namespaces/shop-extra'))?.status?.phase ?? 'gone').toMatch(/Terminating|gone/);
    const parent = await get('/api/v1/namespaces/fleetflow-system/configmaps/applyset-shop');
    expect(parent!.metadata.annotations).toMatchObject({
      'applyset.kubernetes.io/contains-group-kinds': 'ConfigMap,Namespace',
      'applyset.kubernetes.io/additional-namespaces': 'shop',
      'fleetflow.io/revision': '2',
    });
  });

  it('refuses to take fields another manager owns, naming object, field and manager, and takes them with force', async () => {
    await kubectl('patch', 'configmap', 'settings', '-n', 'web', '--type', 'merge', '-p', '{"data":{"tier":"bronze"}}');
    const manifests = web('web');
    (manifests[0] as unknown as { data: Record<string, string> }).data.tier = 'silver';
    const err = await applyBundle(creds, { name: 'web', revision: 'r3', manifests }, FM).then(() => undefined, (e: unknown) => e);
    expect(err).toMatchObject({ type: 'FieldManagerConflict', retryable: false, conflicts: [{ object: 'ConfigMap web/settings', field: '.data.tier', manager: 'kubectl-patch' }] });
    const forced = await applyBundle(creds, { name: 'web', revision: 'r3', manifests, options: { force: true } }, FM);
    expect(forced.find((o) => o.kind === 'ConfigMap')).toMatchObject({ action: 'configured' });
    expect((await get('/api/v1/namespaces/web/configmaps/settings'))!.data).toEqual({ tier: 'silver' });
  });

  it('fails a manifest the server rejects as non-retryable, naming the object and the server message', async () => {
    const bad = deployment('web', 'broken');
    (bad.spec as { replicas: unknown }).replicas = -3;
    const err = await applyBundle(creds, { name: 'broken', revision: '1', manifests: [bad] }, FM).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(FleetflowError);
    expect(err).toMatchObject({ type: 'Invalid', retryable: false });
    expect((err as Error).message).toMatch(/apply Deployment web\/broken: .*spec\.replicas.*HTTP 422/);
  });
});

describe('the REST client', () => {
  it('verifies the API server against the cluster CA and refuses another one as a TLS error', async () => {
    // The client certificate is signed by a CA but is not one: nothing the server presents chains to it.
    const other = creds.auth.kind === 'clientCertificate' ? creds.auth.certPem : '';
    const err = await applyBundle({ ...creds, caPem: other }, { name: 'tls', revision: '1', manifests: [ns('tls')] }, FM).then(() => undefined, (e: unknown) => e);
    expect(err).toMatchObject({ type: 'TlsError', retryable: false });
    expect(await get('/api/v1/namespaces/tls')).toBeUndefined();
  });
});

describe('diffBundle', () => {
  it('finds drift in owned fields after kubectl edits, ignores fields others own, and lists missing objects', async () => {
    const manifests = [ns('drift'), cm('drift', 'settings', { tier: 'gold' }), deployment('drift', 'web'), cm('drift', 'gone')];
    const bundle: BundleInput = { name: 'drift', revision: '1', manifests };
    await applyBundle(creds, bundle, FM);
    expect(await diffBundle(creds, bundle, FM)).toEqual({ missing: [], drifted: [], toPrune: [], revision: '1' });

    await kubectl('patch', 'configmap', 'settings', '-n', 'drift', '--type', 'merge', '-p', '{"data":{"tier":"bronze","extra":"theirs"}}');
    await kubectl('set', 'image', 'deployment/web', '-n', 'drift', 'web=registry.local/web:2');
    await kubectl('annotate', 'deployment', 'web', '-n', 'drift', 'note=not-ours'); // a field we do not own
    await kubectl('delete', 'configmap', 'gone', '-n', 'drift');

    const diff = await diffBundle(creds, { ...bundle, manifests: [...manifests, cm('drift', 'new')] }, FM);
    expect(diff).toEqual({
      missing: [
        { group: '', kind: 'ConfigMap', namespace: 'drift', name: 'gone' },
        { group: '', kind: 'ConfigMap', namespace: 'drift', name: 'new' },
      ],
      drifted: [
        { ref: { group: '', kind: 'ConfigMap', namespace: 'drift', name: 'settings' }, fields: ['.data.tier'] },
        { ref: { group: 'apps', kind: 'Deployment', namespace: 'drift', name: 'web' }, fields: ['.spec.template.spec.containers[name=web].image'] },
      ],
      toPrune: [],
      revision: '1',
    });
    // Dry runs changed nothing.
    expect((await get('/api/v1/namespaces/drift/configmaps/settings'))!.data).toEqual({ tier: 'bronze', extra: 'theirs' });

    const smaller = await diffBundle(creds, { ...bundle, manifests: [ns('drift'), cm('drift', 'settings', { tier: 'bronze' })] }, FM);
    expect(smaller.toPrune).toEqual([{ group: 'apps', kind: 'Deployment', namespace: 'drift', name: 'web' }]);
    expect(smaller.missing).toEqual([]);
  });
});

describe('waitForRollout against the real deployment controller', () => {
  // KWOK never makes a pod whose image ends in ":fail" Ready, so "bad" cannot progress, and the
  // controller itself declares it stuck after its 5 s progress deadline.
  const good = deployment('roll', 'good');
  const bad: BundleManifest = { ...deployment('roll', 'bad', 'registry.local/web:fail'), spec: { ...(deployment('roll', 'bad', 'registry.local/web:fail').spec as object), progressDeadlineSeconds: 5 } };

  it('reports a stuck Deployment with the controller\'s condition, reason and message', async () => {
    await applyBundle(creds, { name: 'roll', revision: '1', manifests: [ns('roll'), good, bad] }, FM);
    expect((await waitForRollout(creds, rolloutRefs([good]), { deadlineMs: 60_000, intervalMs: 200 })).status).toBe('Ready');
    const report = await waitForRollout(creds, rolloutRefs([good, bad]), { deadlineMs: 90_000, intervalMs: 250 });
    expect(report.status).toBe('Stuck');
    expect(report.workloads.map((w) => [w.ref.name, w.state, w.reason])).toEqual([
      ['good', 'Ready', 'RolledOut'],
      ['bad', 'Stuck', 'ProgressDeadlineExceeded'],
    ]);
    expect(report.workloads[1]).toMatchObject({ condition: 'Progressing', message: expect.stringMatching(/^ReplicaSet "bad-[a-z0-9]+" has timed out progressing\.$/) });
  });

  it('waits until a Deployment is rolled out, heartbeating through progress reports, or times out', async () => {
    const slow = deployment('roll', 'slow', 'registry.local/web:1', 4);
    await applyBundle(creds, { name: 'roll-slow', revision: '1', manifests: [slow] }, FM);
    const refs = rolloutRefs([good, slow]);
    const timedOut = await waitForRollout(creds, refs, { deadlineMs: 300, intervalMs: 100 });
    expect(timedOut.status).toBe('TimedOut');
    expect(timedOut.workloads[1]).toMatchObject({ state: 'Progressing' });

    const progress: string[] = [];
    const report = await waitForRollout(creds, refs, { deadlineMs: 60_000, intervalMs: 100, onProgress: (r) => progress.push(r.workloads[1]!.reason) });
    expect(report.status).toBe('Ready');
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.every((r) => ['GenerationNotObserved', 'UpdatingReplicas', 'WaitingForAvailability'].includes(r))).toBe(true);
  });
});

describe('bundle activities', () => {
  const activities = () => bundleActivities(new ProviderRegistry([provider]));
  const target = { name: CLUSTER.name, region: 'local', provider: 'local' as const };
  // Expected failures would otherwise be logged at WARN with a stack.
  const quiet = { logger: new DefaultLogger('ERROR') };

  it('apply, diff and rollout wait run as activities with heartbeats and plain-data results', async () => {
    const env = new MockActivityEnvironment(undefined, quiet);
    const beats: unknown[] = [];
    env.on('heartbeat', (d: unknown) => beats.push(d));
    const bundle: BundleInput = { name: 'act', revision: 'v1', manifests: [ns('act'), cm('act', 'one'), cm('act', 'two')] };
    const applied = await env.run(activities().applyBundle, { target, bundle });
    expect(applied).toMatchObject({ bundle: 'act', revision: 'v1', counts: { created: 3, configured: 0, unchanged: 0, pruned: 0 } });
    expect(beats).toContainEqual({ done: 3, total: 3 });
    expect(JSON.stringify(applied)).not.toMatch(/BEGIN|PRIVATE|token/i);

    const diff: BundleDiff = await env.run(activities().diffBundle, { target, bundle: { ...bundle, manifests: bundle.manifests.slice(0, 2) } });
    expect(diff.toPrune).toEqual([{ group: '', kind: 'ConfigMap', namespace: 'act', name: 'two' }]);
    const rollout = await env.run(activities().waitForRollout, { target, bundle, deadlineSeconds: 5 });
    expect(rollout).toMatchObject({ status: 'Ready', workloads: [] });
  });

  it('fails a bad bundle at once, non-retryable, with every problem listed by path', async () => {
    const env = new MockActivityEnvironment(undefined, quiet);
    const bad = { name: 'Bad_Name', revision: '', manifests: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: {} }] } as unknown as BundleInput;
    const err = await env.run(activities().applyBundle, { target, bundle: bad }).then(() => undefined, (e: unknown) => e);
    expect(err).toMatchObject({ type: 'InvalidBundle', nonRetryable: true });
    expect((err as Error).message).toContain('bundle.name');
    expect((err as Error).message).toContain('bundle.revision');
    expect((err as Error).message).toContain('bundle.manifests[0].metadata.name');
  });
});
