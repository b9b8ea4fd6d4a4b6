import { WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterEntityId } from '../../src/domain/cluster/inventory.js';
import { readObject } from '../../src/kube/read.js';
import { getClusterState } from '../../src/temporal/messages/cluster.js';
import { eventually, FleetTestEnv } from '../helpers/fleet-env.js';
import { Toolchain } from '../../src/host/toolchain.js';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

let fleet: FleetTestEnv;
beforeAll(async () => {
  fleet = await FleetTestEnv.create();
});
afterAll(async () => {
  await fleet?.teardown();
});

const NAMES = ['r1', 'r2', 'r3', 'r4', 'r5'];
const settings = (tier: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'shop' }, data: { tier } });
const shop = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } };
// The clusters are whole: their controllers roll this Deployment out, and KWOK never makes a
// pod of a ":fail" image Ready, so v2 cannot become available and its deployment controller
// calls it stuck after its 5 s progress deadline.
const web = (image: string) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'shop' },
  spec: { replicas: 2, progressDeadlineSeconds: 5, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image }] } } },
});
const plan = { stages: [{ name: 'canary', selector: { include: ['r1'] }, maxFailures: 0 }, { name: 'rest', maxConcurrency: '100%', maxFailures: 0 }] };

describe('fleetRollout on five real clusters', () => {
  it('rolls out v1, halts v2 at a canary that does not become available and rolls it back; a re-roll breaching later leaves the cluster that already had its revision alone', async () => {
    const taskQueue = fleet.newTaskQueue();
    await fleet.withWorker(taskQueue, async () => {
      await Promise.all(NAMES.map((name) =>
        fleet.client.workflow.execute('provisionCluster', { workflowId: `provision/${name}`, taskQueue, args: [{ spec: { name, provider: 'local', labels: { app: 'shop' } } }] })));
      const rollout = (id: string, revision: string, manifests: object[], more: object = {}) =>
        fleet.client.workflow.execute('fleetRollout', {
          workflowId: id,
          taskQueue,
          args: [{ selector: { matchLabels: { app: 'shop' } }, plan, bundle: { name: 'shop', revision, manifests }, rolloutDeadline: '10s', ...more }],
        });
      const tiers = async () => {
        const out: string[] = [];
        for (const name of NAMES) {
          const creds = await fleet.local.credentials({ name, region: 'local' });
          const cm = (await readObject(creds, { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'settings' })) as { data?: Record<string, string> };
          out.push(`${name}: ${cm.data?.tier}`);
        }
        return out;
      };

      const v1 = [shop, settings('gold'), web('registry.example.com/web:1')];
      expect(await rollout('rollout/shop-v1', 'v1', v1)).toMatchObject({ outcome: 'Succeeded', applied: NAMES });

      const err = await rollout('rollout/shop-v2', 'v2', [shop, settings('platinum'), web('registry.example.com/web:fail')]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowFailedError);
      expect((err as WorkflowFailedError).cause?.message).toBe('stage canary has 1 failed clusters, over its budget of 0; rolled back 1 of 1 changed clusters');

      // Read back from every API server: the canary is at v1 again, the rest never saw v2.
      for (const name of NAMES) {
        const creds = await fleet.local.credentials({ name, region: 'local' });
        const cm = (await readObject(creds, { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'settings' })) as { data?: Record<string, string> };
        expect(`${name}: ${cm.data?.tier}`).toBe(`${name}: gold`);
        const deployment = (await readObject(creds, { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web' })) as { spec: { template: { spec: { containers: { image: string }[] } } } };
        expect(deployment.spec.template.spec.containers[0]!.image).toBe('registry.example.com/web:1');
      }
      // On the canary, kubectl shows the v1 pods Running and Ready again, and the failing v2 pod gone.
      const pods = await eventually(
        async () => (await run(new Toolchain().kubectl(), ['--kubeconfig', fleet.local.kubeconfigPath('r1'), 'get', 'pods', '-n', 'shop', '--no-headers', '-o', 'custom-columns=IMAGE:.spec.containers[0].image,PHASE:.status.phase,READY:.status.containerStatuses[0].ready'])).stdout.trim().split('\n'),
        (lines) => lines.length === 2,
        60_000,
      );
      expect(pods).toEqual(['registry.example.com/web:1   Running   true', 'registry.example.com/web:1   Running   true']);
      const canary = await fleet.client.workflow.getHandle(clusterEntityId('r1')).query(getClusterState);
      expect(canary.bundles?.find((b) => b.name === 'shop')).toMatchObject({ revision: 'v1' });
      expect(canary.history.slice(0, 2).map((op) => `${op.type} ${op.status}: ${op.message}`)).toEqual([
        'apply Succeeded: rolled shop back from v2 to v1',
        expect.stringMatching(/^apply Failed: .*rollout of shop@v2 (TimedOut|Stuck)/),
      ]);

      // v3 reaches the canary alone; then v3 goes to all, and r5 refuses its manifests (an invalid key).
      const v3 = [shop, settings('silver')];
      const canaryOnly = { plan: { stages: [{ name: 'canary', selector: { include: ['r1'] } }] } };
      expect(await rollout('rollout/shop-v3-canary', 'v3', v3, canaryOnly)).toMatchObject({ outcome: 'Succeeded', applied: ['r1'] });
      const broken = { overrides: [{ selector: { include: ['r5'] }, match: { kind: 'ConfigMap', name: 'settings' }, merge: { data: { 'bad key!': 'x' } } }] };
      const again = await rollout('rollout/shop-v3', 'v3', v3, broken).catch((e: unknown) => e);
      expect((again as WorkflowFailedError).cause?.message).toBe('stage rest has 1 failed clusters, over its budget of 0; rolled back 4 of 4 changed clusters');
      // r1 had v3 before this rollout reached it: it keeps v3; the others go back to v1.
      expect(await tiers()).toEqual(['r1: silver', 'r2: gold', 'r3: gold', 'r4: gold', 'r5: gold']);
      const r1 = await fleet.client.workflow.getHandle(clusterEntityId('r1')).query(getClusterState);
      expect(r1.bundles?.find((b) => b.name === 'shop')).toMatchObject({ revision: 'v3' });
    });
  });
});
