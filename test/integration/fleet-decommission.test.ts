import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { listClusters } from '../../src/cli/clusters.js';
import type { DecommissionProgress } from '../../src/domain/decommission/progress.js';
import { clusterEntityId } from '../../src/domain/cluster/inventory.js';
import { inventoryQuery } from '../../src/domain/selection/selector-syntax.js';
import { isAlive } from '../../src/host/processes.js';
import { clusterPaths } from '../../src/providers/local/paths.js';
import { repoDir } from '../../src/host/toolchain.js';
import { getClusterState } from '../../src/temporal/messages/cluster.js';
import type { FleetDecommissionResult } from '../../workflows/fleet-decommission.js';
import { getDecommissionProgress } from '../../src/temporal/messages/staged.js';
import { eventually, FleetTestEnv } from '../helpers/fleet-env.js';

// A fleet decommission by selector on a real dev server with real local control planes: two
// dev clusters labelled team=web go away, a protected one with the same label stays.
const run = promisify(execFile);
let fleet: FleetTestEnv;

beforeAll(async () => {
  fleet = await FleetTestEnv.create();
});
afterAll(async () => {
  await fleet?.teardown();
});

const cli = (taskQueue: string, ...args: string[]) => run(process.execPath, [`${repoDir}/src/cli/bin.mjs`, 'clusters', 'decommission', ...args], { env: fleet.cliEnv(taskQueue) });

describe('fleet decommission of local clusters', () => {
  it('decommissions the two dev clusters a selector matches and refuses, reports and keeps the protected one', async () => {
    const taskQueue = fleet.newTaskQueue();
    await fleet.withWorker(taskQueue, async () => {
      const specs = [
        { name: 'web-1', provider: 'local', environment: 'dev', labels: { team: 'web' } },
        { name: 'web-2', provider: 'local', environment: 'dev', labels: { team: 'web' } },
        { name: 'web-keep', provider: 'local', environment: 'dev', labels: { team: 'web' }, protected: true },
      ];
      await Promise.all(specs.map((spec) => fleet.client.workflow.execute('provisionCluster', { workflowId: `provision/${spec.name}`, taskQueue, args: [{ spec }] })));
      const web = inventoryQuery([{ key: 'team', op: '=', value: 'web' }]);
      await eventually(() => listClusters(fleet.client, web), (rows) => rows.filter((r) => r.phase === 'Active').length === 3);
      const before = { 'web-1': await fleet.local.processes({ name: 'web-1', region: 'local' }), 'web-2': await fleet.local.processes({ name: 'web-2', region: 'local' }) };

      // The dry run plans with the same code and changes nothing.
      const dry = await cli(taskQueue, '--selector', 'team=web', '--reason', 'CHG-9 web retired', '--dry-run', '-o', 'json');
      expect(JSON.parse(dry.stdout)).toMatchObject({ selected: ['web-1', 'web-2'], refused: [{ name: 'web-keep', reason: 'ClusterProtected' }], excluded: [], approvalRequired: false });
      const dryText = await cli(taskQueue, '--selector', 'team=web', '--reason', 'CHG-9 web retired', '--dry-run');
      expect(dryText.stdout).toContain('would decommission 2: web-1 (dev), web-2 (dev)');
      expect(dryText.stdout).toContain('approval: not required');
      expect((await listClusters(fleet.client, web)).map((r) => r.phase)).toEqual(['Active', 'Active', 'Active']);

      // The real one, started and followed by the CLI.
      const id = 'fleet-decommission/CHG-9';
      const started = Date.now();
      const out = await cli(taskQueue, '--selector', 'team=web', '--reason', 'CHG-9 web retired', '--id', id, '--wait');
      const seconds = (Date.now() - started) / 1000;
      expect(out.stdout).toContain(`fleet decommission ${id}: 2 of 2 clusters done, 0 failed, 0 skipped; refused (protected): web-keep`);

      const handle = fleet.client.workflow.getHandle(id);
      const result = (await handle.result()) as FleetDecommissionResult;
      expect(result).toMatchObject({ outcome: 'Succeeded', decommissioned: ['web-1', 'web-2'], failed: [], refused: [{ name: 'web-keep', reason: 'ClusterProtected' }] });
      const progress = (await handle.query(getDecommissionProgress)) as DecommissionProgress;
      // The unified command reads the same workflow (the flags above are its aliases).
      const status = await run(process.execPath, [`${repoDir}/src/cli/bin.mjs`, 'decommission', 'status', id, '-o', 'yaml'], { env: fleet.cliEnv(taskQueue) });
      expect(parseYaml(status.stdout)).toMatchObject({ outcome: 'Succeeded', counts: { Succeeded: 2 }, refused: [{ name: 'web-keep' }] });
      expect(progress.clusters.map((c) => [c.name, c.status])).toEqual([['web-1', 'Succeeded'], ['web-2', 'Succeeded']]);
      expect(progress.refused.map((r) => r.name)).toEqual(['web-keep']);

      // The two entities completed as Deleted; their control planes' processes and data are gone.
      for (const name of ['web-1', 'web-2'] as const) {
        const final = await fleet.client.workflow.getHandle(clusterEntityId(name)).result();
        expect(final.phase).toBe('Deleted');
        expect(final.history[0]).toMatchObject({ type: 'decommission', status: 'Succeeded' });
        const dir = clusterPaths(fleet.dataDir, name).dir;
        for (const pid of [before[name].etcd, before[name].apiserver]) expect(await isAlive(pid, dir)).toBe(false);
        expect(existsSync(dir)).toBe(false);
        expect((await fleet.local.describe({ name, region: 'local' })).status).toBe('NotFound');
      }
      // The protected one is untouched.
      const kept = await fleet.client.workflow.getHandle(clusterEntityId('web-keep')).query(getClusterState);
      expect(kept.phase).toBe('Active');
      expect(kept.history.some((h) => h.type === 'decommission')).toBe(false);
      expect((await fleet.local.describe({ name: 'web-keep', region: 'local' })).status).toBe('Running');
      await eventually(() => listClusters(fleet.client, web), (rows) => rows.map((r) => r.name).join() === 'web-keep');
      console.log(`fleet decommission of 2 local clusters, CLI start to end: ${seconds.toFixed(1)} s`);
    });
  });
});
