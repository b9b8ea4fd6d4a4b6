import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AppsV1Api } from '@kubernetes/client-node';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freeOf } from '../../src/domain/cluster/capacity.js';
import { clusterEntityId } from '../../src/domain/cluster/inventory.js';
import type { ClusterState } from '../../src/domain/cluster/state.js';
import type { PlacedBundleInput, PlacementStatus } from '../../src/domain/placement/placed-bundle.js';
import { kubeConfigFor } from '../../src/kube/client.js';
import { readObject } from '../../src/kube/read.js';
import { getClusterState } from '../../src/temporal/messages/cluster.js';
import { getPlacementStatus, reevaluatePlacement } from '../../src/temporal/messages/placement.js';
import { repoDir } from '../../src/host/toolchain.js';
import { eventually, FleetTestEnv } from '../helpers/fleet-env.js';

const run = promisify(execFile);

// Placements in force on whole local clusters: one KWOK node of 2 CPUs each, so a Deployment of
// CPU-requesting pods really fills a cluster, and the entities' health checks (every 5 s) see
// it in the nodes' allocatable and the pods' requests. Re-evaluation is asked for with the
// reevaluate update, which answers once its round of moves is done: nothing waits for a timer.
let fleet: FleetTestEnv;
beforeAll(async () => {
  fleet = await FleetTestEnv.create();
});
afterAll(async () => {
  await fleet?.teardown();
});

const spec = (name: string) => ({ name, provider: 'local', labels: { tier: 'edge' }, healthCheckInterval: '5s', nodePools: [{ name: 'pool', nodeCount: 1, machineType: 'small' }] });
const shopNs = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } };
const web = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'shop' },
  spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'registry.example.com/web:1', resources: { requests: { cpu: '100m' } } }] } } },
};
// Fills what is left of a cluster's 2 CPUs: 19 more pods of 100m fit beside web's one.
const filler = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'filler', namespace: 'default' },
  spec: { replicas: 25, selector: { matchLabels: { app: 'filler' } }, template: { metadata: { labels: { app: 'filler' } }, spec: { containers: [{ name: 'f', image: 'registry.example.com/batch:1', resources: { requests: { cpu: '100m' } } }] } } },
};

const entity = (name: string) => fleet.client.workflow.getHandle(clusterEntityId(name));
const stateOf = (name: string): Promise<ClusterState> => entity(name).query(getClusterState);
const hasWeb = async (name: string) => !!(await readObject(await fleet.local.credentials({ name, region: 'local' }), { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web' }));
const record = (id: string) => async () => {
  // FLEETFLOW_RECORD_HISTORIES=1 keeps these histories for the replay tests (test/histories/).
  if (!process.env.FLEETFLOW_RECORD_HISTORIES) return;
  const history = await fleet.client.workflow.getHandle(id).fetchHistory();
  writeFileSync(new URL(`../histories/${id.replaceAll('/', '__')}.json`, import.meta.url), historyToJSON(history));
};

describe('placedBundle on real local clusters', () => {
  it('moves the workload off a cluster that runs out of CPU without dropping below one cluster, and gives a new cluster the bundle placed on all', async () => {
    const taskQueue = fleet.newTaskQueue();
    await fleet.withWorker(taskQueue, async () => {
      await Promise.all(['pl-a', 'pl-b'].map((name) => fleet.client.workflow.execute('provisionCluster', { workflowId: `provision/${name}`, taskQueue, args: [{ spec: spec(name) }] })));
      // Both entities have read their capacity: 2 CPUs each.
      for (const name of ['pl-a', 'pl-b']) await eventually(() => stateOf(name), (s) => s.capacity?.cpu.allocatable === 2000, 60_000);
      expect((await stateOf('pl-a')).capacity).toMatchObject({ nodes: 1, zones: ['local-a'], memory: { allocatable: 4 * 2 ** 30 } });
      // Published for visibility queries: zones, node count and free whole cores.
      const listed = async (query: string) => {
        const ids: string[] = [];
        for await (const wf of fleet.client.workflow.list({ query })) ids.push(wf.workflowId);
        return ids.sort();
      };
      expect(await eventually(() => listed("FleetZones = 'local-a' AND FleetNodes = 1 AND FleetFreeCpu >= 1"), (ids) => ids.length === 2, 30_000)).toEqual(['cluster/pl-a', 'cluster/pl-b']);

      const shop: PlacedBundleInput = {
        name: 'shop',
        placement: { selector: { matchLabels: { tier: 'edge' } }, numberOfClusters: 1, requests: { cpu: '500m' }, removeAfter: '0s' },
        bundle: { name: 'shop', revision: 'v1', manifests: [shopNs, web] },
        rolloutDeadline: '60s',
        reevaluateEvery: '1h',
        moveInterval: '0s',
      };
      const placement = await fleet.client.workflow.start('placedBundle', { workflowId: 'placement/shop', taskQueue, args: [shop] });
      let s: PlacementStatus = await placement.executeUpdate(reevaluatePlacement, { args: [{ by: 'test' }] });
      // Equal scores: the tie goes to the first by name.
      expect(s.placed.map((p) => p.cluster)).toEqual(['pl-a']);
      expect(await hasWeb('pl-a')).toBe(true);

      // Someone fills pl-a's node; its entity's next health check sees it.
      const credsA = await fleet.local.credentials({ name: 'pl-a', region: 'local' });
      await kubeConfigFor(credsA).makeApiClient(AppsV1Api).createNamespacedDeployment({ namespace: 'default', body: filler });
      await eventually(() => stateOf('pl-a'), (st) => !!st.capacity && freeOf(st.capacity).cpu < 250, 90_000);

      s = await placement.executeUpdate(reevaluatePlacement, { args: [{ by: 'test' }] });
      expect(s.placed.map((p) => p.cluster)).toEqual(['pl-b']);
      expect(s.decision?.clusters.find((c) => c.name === 'pl-a')?.reason).toMatch(/^Capacity: out of CPU: \d+m? free of 2, 250m needed to keep the workload$/);
      // Added to pl-b (healthy, rolled out) first, removed from pl-a only then: never fewer than one.
      const [removed, added] = s.moves;
      expect(added).toMatchObject({ action: 'add', cluster: 'pl-b', outcome: 'Succeeded' });
      expect(removed).toMatchObject({ action: 'remove', cluster: 'pl-a', outcome: 'Succeeded' });
      expect(Date.parse(added!.at)).toBeLessThanOrEqual(Date.parse(removed!.at));
      expect(await hasWeb('pl-b')).toBe(true);
      expect(await hasWeb('pl-a')).toBe(false);
      expect((await stateOf('pl-a')).bundles?.find((b) => b.name === 'shop')).toBeUndefined();
      // The status query says the same.
      expect((await placement.query(getPlacementStatus)).placed.map((p) => p.cluster)).toEqual(['pl-b']);

      // A placement on every edge cluster; a new edge cluster receives its bundle.
      const config = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'edge-config', namespace: 'default' }, data: { mode: 'edge' } };
      const everywhere = await fleet.client.workflow.start('placedBundle', {
        workflowId: 'placement/edge-config',
        taskQueue,
        args: [{ name: 'edge-config', placement: { selector: { matchLabels: { tier: 'edge' } } }, bundle: { name: 'edge-config', revision: 'v1', manifests: [config] }, reevaluateEvery: '1h', moveInterval: '0s', maxConcurrentMoves: 5 } satisfies PlacedBundleInput],
      });
      s = await everywhere.executeUpdate(reevaluatePlacement, { args: [{}] });
      expect(s.placed.map((p) => p.cluster)).toEqual(['pl-a', 'pl-b']);
      await fleet.client.workflow.execute('provisionCluster', { workflowId: 'provision/pl-c', taskQueue, args: [{ spec: spec('pl-c') }] });
      s = await everywhere.executeUpdate(reevaluatePlacement, { args: [{}] });
      expect(s.placed.map((p) => p.cluster)).toEqual(['pl-a', 'pl-b', 'pl-c']);
      expect(s.moves[0]).toMatchObject({ action: 'add', cluster: 'pl-c', outcome: 'Succeeded' });
      const cm = (await readObject(await fleet.local.credentials({ name: 'pl-c', region: 'local' }), { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'edge-config' })) as { data?: Record<string, string> } | undefined;
      expect(cm?.data).toEqual({ mode: 'edge' });

      // The CLI: the status of the placement in force, a preview and a placed rollout's dry run.
      const cli = async (...args: string[]) => (await run(process.execPath, [`${repoDir}/src/cli/bin.mjs`, ...args], { env: fleet.cliEnv(taskQueue) })).stdout;
      const status = await cli('placement', 'status', 'shop');
      expect(status).toContain('placement/shop: shop@v1 on pl-b\n');
      expect(status).toMatch(/\n {2}filtered {3}pl-a {2}Capacity: out of CPU: /);
      expect(status).toMatch(/ remove pl-a Succeeded: no longer chosen \(Capacity: out of CPU: /);
      const dir = mkdtempSync(join(tmpdir(), 'placement-'));
      writeFileSync(join(dir, 'shop.json'), JSON.stringify(shop));
      // A fresh decision knows no current choice: pl-c, empty, has the most room, once the
      // entities' capacity reads say so (pl-b's counting the workload it took, pl-c's done at all).
      await eventually(() => stateOf('pl-b'), (st) => !!st.capacity && freeOf(st.capacity).cpu < 2000, 90_000);
      await eventually(() => stateOf('pl-c'), (st) => st.capacity?.cpu.allocatable === 2000, 90_000);
      const preview = (await cli('placement', 'preview', '-f', join(dir, 'shop.json'))).split('\n');
      expect(preview[0]).toBe('placement: 1 chosen of 3 clusters: pl-c (wanted: 1)');
      expect(preview[1]).toMatch(/^ {2}chosen {5}pl-c {2}rank 1 of 2, score \d+ \(FreeCPU 100 \+ FreeMemory 100 \+ Spread 100 \+ Steady 0\)$/);
      writeFileSync(join(dir, 'rollout.json'), JSON.stringify({ placement: shop.placement, plan: { stages: [{ name: 'all' }] }, bundle: shop.bundle }));
      const dryRun = await cli('rollout', 'start', '-f', join(dir, 'rollout.json'), '--dry-run');
      expect(dryRun).toContain('placement: 1 chosen of 3 clusters: pl-c (wanted: 1)');
      expect(dryRun).toMatch(/\nstage 1 all \(1 cluster; .*\)\n {2}1\. pl-c/);

      await record('placement/shop')();
      await record('cluster/pl-a')();
    });
  });
});
