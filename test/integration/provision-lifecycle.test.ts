import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterEntityId, CLUSTER_ENTITY_TYPE } from '../../src/domain/cluster/inventory.js';
import { inventoryQuery, parseSelector } from '../../src/domain/selection/selector-syntax.js';
import { readObject } from '../../src/kube/read.js';
import { applyBundle } from '../../src/kube/apply.js';
import { rolloutRefs, waitForRollout } from '../../src/kube/rollout.js';
import type { BundleManifest } from '../../src/domain/bundle/bundle.js';
import { clusterPaths } from '../../src/providers/local/paths.js';
import { isAlive } from '../../src/host/processes.js';
import { listClusters } from '../../src/cli/clusters.js';
import { repoDir } from '../../src/host/toolchain.js';
import { getClusterState } from '../../src/temporal/messages/cluster.js';
import { ProviderRegistry } from '../../src/providers/registry.js';
import { eventually, FleetTestEnv } from '../helpers/fleet-env.js';
import { holdingAfterCreate, memoryGate } from '../helpers/gates.js';
import { failureOf, historyText, pemBody } from '../helpers/history-text.js';

const run = promisify(execFile);
let fleet: FleetTestEnv;

beforeAll(async () => {
  fleet = await FleetTestEnv.create();
});
afterAll(async () => {
  await fleet?.teardown();
});

const selectorQuery = (text: string) => {
  const parsed = parseSelector(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return inventoryQuery(parsed.terms);
};

/** A small application: three replicas, a budget that allows none of them to go. */
const appManifests: BundleManifest[] = [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'app' } },
  {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'app' },
    spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'registry.local/web:1' }] } } },
  },
  { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web', namespace: 'app' }, spec: { minAvailable: 3, selector: { matchLabels: { app: 'web' } } } },
];

const provision = (taskQueue: string, spec: object) =>
  fleet.client.workflow.execute('provisionCluster', {
    workflowId: `provision/${(spec as { name: string }).name}`,
    taskQueue,
    args: [{ spec }],
  });

describe('provisioning and decommissioning local clusters', () => {
  it('provisions two clusters, bootstraps each, lists them by selector and decommissions one completely', async () => {
    const taskQueue = fleet.newTaskQueue();
    await fleet.withWorker(taskQueue, async () => {
      const [a, b] = await Promise.all([
        provision(taskQueue, { name: 'alpha', provider: 'local', environment: 'dev', labels: { team: 'web' } }),
        provision(taskQueue, { name: 'beta', provider: 'local', environment: 'prod', labels: { team: 'data' } }),
      ]);
      expect(a).toMatchObject({ name: 'alpha', version: '1.35.4', objectsApplied: 7 });
      expect(b).toMatchObject({ name: 'beta', version: '1.35.4' });
      expect(a.endpoint).not.toBe(b.endpoint);

      // The bootstrap objects are really on each API server.
      for (const name of ['alpha', 'beta']) {
        const creds = await fleet.local.credentials({ name, region: 'local' });
        const info = await readObject(creds, { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'fleetflow-system', name: 'cluster-info' });
        expect((info as { data?: Record<string, string> })?.data).toMatchObject({ name, provider: 'local' });
        expect(await readObject(creds, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', name: 'fleetflow:observer' })).toBeDefined();
      }

      // The inventory is a visibility query over the entities' search attributes.
      const names = async (selector: string) => (await listClusters(fleet.client, selectorQuery(selector))).map((r) => r.name);
      await eventually(() => names('env=prod'), (n) => n.join() === 'beta');
      expect(await names('team=web')).toEqual(['alpha']);
      expect(await names('phase=Active,provider=local')).toEqual(['alpha', 'beta']);
      expect(await names('version=1.35.4,team!=web')).toEqual(['beta']);

      // The CLI prints the same inventory as JSON.
      const { stdout } = await run(process.execPath, [`${repoDir}/src/cli/bin.mjs`, 'clusters', 'list', '--selector', 'team=data', '-o', 'json'], {
        env: fleet.cliEnv(taskQueue),
      });
      expect(JSON.parse(stdout)).toEqual([
        { name: 'beta', phase: 'Active', provider: 'local', region: 'local', environment: 'prod', version: '1.35.4', health: 'Healthy', labels: { team: 'data' } },
      ]);

      // No credential material reaches workflow history.
      const creds = await fleet.local.credentials({ name: 'alpha', region: 'local' });
      const secrets = [creds.caPem, creds.auth.kind === 'clientCertificate' ? creds.auth.keyPem : creds.auth.token].map(pemBody);
      for (const id of ['provision/alpha', clusterEntityId('alpha')]) {
        const text = await historyText(await fleet.client.workflow.getHandle(id).fetchHistory());
        expect(text).toContain('"team":"web"'); // payloads were decoded, so the search means something
        expect(text).not.toContain('-----BEGIN');
        for (const secret of secrets) expect(text).not.toContain(secret);
      }

      // A workload still running, with a budget that allows no disruption: decommission deletes anyway.
      const alphaCreds = await fleet.local.credentials({ name: 'alpha', region: 'local' });
      await applyBundle(alphaCreds, { name: 'app', revision: '1', manifests: appManifests }, { fieldManager: 'fleetflow' });
      expect((await waitForRollout(alphaCreds, rolloutRefs(appManifests), { deadlineMs: 60_000, intervalMs: 250 })).status).toBe('Ready');
      const before = await fleet.local.processes({ name: 'alpha', region: 'local' });
      expect(Object.keys(before).sort()).toEqual(['apiserver', 'controllerManager', 'etcd', 'kwok', 'scheduler']);
      const dir = clusterPaths(fleet.dataDir, 'alpha').dir;
      await fleet.client.workflow.execute('decommissionCluster', {
        workflowId: 'decommission/alpha',
        taskQueue,
        args: [{ name: 'alpha' }],
      });
      // The entity completes as Deleted, and the control plane's processes and data are gone.
      const final = await fleet.client.workflow.getHandle(clusterEntityId('alpha')).result();
      expect(final.phase).toBe('Deleted');
      expect(final.history[0]).toMatchObject({ type: 'decommission', status: 'Succeeded' });
      for (const pid of Object.values(before)) expect(await isAlive(pid, dir)).toBe(false);
      // Nothing of it runs (ps sees no command line naming its folder) or stays on disk.
      const { stdout: ps } = await run('ps', ['-eo', 'args']);
      expect(ps.split('\n').filter((line) => line.includes(`${dir}/`))).toEqual([]);
      expect(existsSync(dir)).toBe(false);
      expect((await fleet.local.describe({ name: 'beta', region: 'local' })).status).toBe('Running');
      await eventually(() => names(''), (n) => n.join() === 'beta');
    });
  });

  it('refuses a second operation while one runs, and a protected cluster unless forced with a reason', async () => {
    const taskQueue = fleet.newTaskQueue();
    // The provision holds in its create step until the second operation has been refused.
    const gate = memoryGate();
    await fleet.withWorker(taskQueue, async () => {
      const first = await fleet.client.workflow.start('provisionCluster', {
        workflowId: 'provision/gamma',
        taskQueue,
        args: [{ spec: { name: 'gamma', provider: 'local', environment: 'prod', protected: true } }],
      });
      const entity = fleet.client.workflow.getHandle(clusterEntityId('gamma'));
      await gate.reached();

      const busy = await fleet.client.workflow
        .execute('decommissionCluster', { workflowId: 'decommission/gamma', taskQueue, args: [{ name: 'gamma', force: true, reason: 'x' }] })
        .catch((e: unknown) => e)
        .finally(() => gate.open());
      expect(failureOf(busy)).toMatchObject({ type: 'ClusterBusy', nonRetryable: true });
      expect(failureOf(busy)?.message).toMatch(/^cluster gamma is busy: provision operation provision\/gamma has been running since/);
      // The workflow's own failure (what the UI shows first) says the same.
      expect((busy as WorkflowFailedError).cause?.message).toMatch(/^decommission failed: cluster gamma is busy/);
      await first.result();

      const protectedRefusal = await fleet.client.workflow
        .execute('decommissionCluster', { workflowId: 'decommission/gamma', taskQueue, args: [{ name: 'gamma' }] })
        .catch((e: unknown) => e);
      expect(failureOf(protectedRefusal)).toMatchObject({
        type: 'ClusterProtected',
        message: 'cluster gamma is protected: decommission it with force and a reason',
      });
      expect((await entity.query(getClusterState)).phase).toBe('Active'); // the refusal changed nothing

      await fleet.client.workflow.execute('decommissionCluster', {
        workflowId: 'decommission/gamma',
        taskQueue,
        args: [{ name: 'gamma', force: true, reason: 'end of test' }],
      });
      expect((await entity.result()).history[0]?.message).toBe('decommissioned (forced: end of test)');
    }, { providers: new ProviderRegistry([holdingAfterCreate(fleet.local, gate)]) });
  });

  it('fails an invalid spec at once, non-retryable and naming every bad field, and the CLI says the same', async () => {
    const taskQueue = fleet.newTaskQueue();
    const spec = { name: 'Bad_Name', provider: 'aws', kubernetesVersion: 'latest', labels: { 'no spaces': 'x' } };
    const err = await fleet.withWorker(taskQueue, () =>
      fleet.client.workflow.execute('provisionCluster', { workflowId: 'provision/bad', taskQueue, args: [{ spec }] }).catch((e: unknown) => e),
    );
    const failure = failureOf(err);
    expect(failure).toMatchObject({ type: 'InvalidClusterSpec', nonRetryable: true });
    for (const path of ['spec.name:', 'spec.provider:', 'spec.kubernetesVersion:', 'spec.labels["no spaces"]:']) {
      expect(failure?.message).toContain(path);
    }
    // Nothing was registered.
    const entities = await listClusters(fleet.client, `WorkflowType = '${CLUSTER_ENTITY_TYPE}' AND WorkflowId = 'cluster/Bad_Name'`);
    expect(entities).toEqual([]);

    const file = `${fleet.dataDir}/bad.yaml`;
    const { writeFile } = await import('node:fs/promises');
    await writeFile(file, JSON.stringify(spec));
    const cli = await run(process.execPath, [`${repoDir}/src/cli/bin.mjs`, 'clusters', 'provision', '-f', file], {
      env: fleet.cliEnv(taskQueue),
    }).catch((e: { code: number; stderr: string }) => e);
    expect(cli).toMatchObject({ code: 2 });
    expect((cli as { stderr: string }).stderr).toBe(`error: ${file}: ${failure?.message}\n`);
  });
});

