import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listClusters } from '../../src/cli/clusters.js';
import { clusterEntityId } from '../../src/domain/cluster/inventory.js';
import { inventoryQuery, parseSelector } from '../../src/domain/selection/selector-syntax.js';
import { getClusterState } from '../../src/temporal/messages/cluster.js';
import { eventually, FleetTestEnv } from '../helpers/fleet-env.js';

let fleet: FleetTestEnv;
beforeAll(async () => {
  fleet = await FleetTestEnv.create();
});
afterAll(async () => {
  await fleet?.teardown();
});

const byHealth = (health: string) => {
  const parsed = parseSelector(`health=${health}`);
  if (!parsed.ok) throw new Error(parsed.error);
  return listClusters(fleet.client, inventoryQuery(parsed.terms)).then((rows) => rows.map((r) => `${r.name}:${r.phase}`));
};

describe('the cluster entity watching its cluster', () => {
  it('finds a cluster whose API server stopped, lists it as sick, and sees it recover', async () => {
    const taskQueue = fleet.newTaskQueue();
    await fleet.withWorker(taskQueue, async () => {
      const spec = { name: 'watched', provider: 'local', healthCheckInterval: '5s' };
      await fleet.client.workflow.execute('provisionCluster', { workflowId: 'provision/watched', taskQueue, args: [{ spec }] });
      const entity = fleet.client.workflow.getHandle(clusterEntityId('watched'));
      const state = () => entity.query(getClusterState);

      await fleet.local.stop({ name: 'watched', region: 'local' });
      const sick = await eventually(state, (s) => s.health.status === 'Unreachable', 60_000);
      expect(sick.phase).toBe('Degraded');
      expect(sick.health.reasons.join(' ')).toMatch(/ECONNREFUSED|refused|unreachable/i);
      // The search attribute follows, so the inventory (and the UI) find sick clusters.
      expect(await eventually(() => byHealth('Unreachable'), (rows) => rows.length > 0)).toEqual(['watched:Degraded']);

      await fleet.local.start({ name: 'watched', region: 'local' });
      const well = await eventually(state, (s) => s.health.status === 'Healthy', 60_000);
      expect(well.phase).toBe('Active');
      expect(well.healthLog?.map((t) => `${t.from}->${t.to}`)).toEqual(['Unreachable->Healthy', 'Healthy->Unreachable']);
      expect(await eventually(() => byHealth('Healthy'), (rows) => rows.length > 0)).toEqual(['watched:Active']);

      // Checks never hold up an operation: a decommission claims the cluster between checks.
      await fleet.client.workflow.execute('decommissionCluster', { workflowId: 'decommission/watched', taskQueue, args: [{ name: 'watched' }] });
      expect((await entity.result()).phase).toBe('Deleted');
    });
  });
});
