import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterEntityId } from '../../src/domain/cluster/inventory.js';
import { readObject } from '../../src/kube/read.js';
import { Toolchain } from '../../src/host/toolchain.js';
import { getClusterState } from '../../src/temporal/messages/cluster.js';
import { eventually, FleetTestEnv } from '../helpers/fleet-env.js';

const run = promisify(execFile);
let fleet: FleetTestEnv;
beforeAll(async () => {
  fleet = await FleetTestEnv.create();
});
afterAll(async () => {
  await fleet?.teardown();
});

const configMap = (ns: string, name: string, data: Record<string, string>) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data });
const namespace = (name: string) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });

describe('bundles on a cluster entity', () => {
  it('applies revisions, finds drift, repairs it where asked and keeps the revision history', async () => {
    const taskQueue = fleet.newTaskQueue();
    await fleet.withWorker(taskQueue, async () => {
      await fleet.client.workflow.execute('provisionCluster', { workflowId: 'provision/drifty', taskQueue, args: [{ spec: { name: 'drifty', provider: 'local', healthCheckInterval: '5s' } }] });
      const apply = (bundle: object, autoReconcile: boolean) =>
        fleet.client.workflow.execute('applyBundleToCluster', { workflowId: `apply/drifty/${(bundle as { name: string }).name}`, taskQueue, args: [{ cluster: 'drifty', bundle, autoReconcile }] });

      const web = { name: 'web', revision: 'v1', manifests: [namespace('shop'), configMap('shop', 'settings', { tier: 'gold' }), configMap('shop', 'old', { x: '1' })] };
      expect(await apply(web, true)).toMatchObject({ revision: 'v1', counts: { created: 3 }, health: 'Healthy' });
      await apply({ name: 'audit', revision: 'a1', manifests: [configMap('shop', 'audit', { level: 'full' })] }, false);

      // Someone edits fields Fleetflow owns, with kubectl.
      const kubectl = (...args: string[]) => run(new Toolchain().kubectl(), ['--kubeconfig', fleet.local.kubeconfigPath('drifty'), ...args]);
      await kubectl('-n', 'shop', 'patch', 'configmap', 'settings', '--type', 'merge', '-p', '{"data":{"tier":"bronze"}}');
      await kubectl('-n', 'shop', 'patch', 'configmap', 'audit', '--type', 'merge', '-p', '{"data":{"level":"none"}}');

      const entity = fleet.client.workflow.getHandle(clusterEntityId('drifty'));
      const state = await eventually(() => entity.query(getClusterState), (s) =>
        s.history.some((op) => op.type === 'reconcile' && op.status === 'Succeeded') && s.bundles?.find((b) => b.name === 'audit')?.drift?.status === 'Drifted', 60_000);
      // The opted-in bundle was re-applied by the entity itself...
      expect(state.history.find((op) => op.type === 'reconcile')?.message).toMatch(/^re-applied web@v1: 1 objects repaired/);
      const creds = await fleet.local.credentials({ name: 'drifty', region: 'local' });
      const read = async (name: string) => ((await readObject(creds, { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', name })) as { data?: Record<string, string> } | undefined)?.data;
      expect(await read('settings')).toEqual({ tier: 'gold' });
      // ...the other one is only reported, with the object and the field.
      expect(state.bundles?.find((b) => b.name === 'audit')?.drift).toMatchObject({ status: 'Drifted', drifted: 1, details: ['ConfigMap shop/audit: .data.level'] });
      expect(await read('audit')).toEqual({ level: 'none' });

      // A new revision prunes what left the bundle and remembers the one before.
      await apply({ ...web, revision: 'v2', manifests: [namespace('shop'), configMap('shop', 'settings', { tier: 'platinum' })] }, true);
      expect(await read('old')).toBeUndefined();
      const after = await entity.query(getClusterState);
      expect(after.bundles?.find((b) => b.name === 'web')).toMatchObject({ revision: 'v2', previous: ['v1'] });

      // Secrets never travel in a bundle (it is workflow input).
      const secret = { name: 'creds', revision: 'r1', manifests: [{ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'shop' }, stringData: { password: 'x' } }] };
      const err = await apply(secret, false).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowFailedError);
      expect((err as WorkflowFailedError).cause?.message).toContain('bundle.manifests[0]: is a Secret (db)');
    });
  });
});
