import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { clusterEntityId } from '../../src/domain/cluster/inventory.js';
import { clusterPaths } from '../../src/providers/local/paths.js';
import { getClusterState } from '../../src/temporal/messages/cluster.js';
import { eventually, FleetTestEnv } from '../helpers/fleet-env.js';

let fleet: FleetTestEnv;
beforeAll(async () => {
  fleet = await FleetTestEnv.create();
});
afterAll(async () => {
  await fleet?.teardown();
});

/** Every live process whose command line names this cluster's folder (etcd, kube-apiserver). */
async function processesOf(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const cmdline = await readFile(join('/proc', pid, 'cmdline'), 'utf8').catch(() => '');
    if (cmdline.includes(dir)) found.push(cmdline.split('\0')[0]!.split('/').pop()!);
  }
  return found.sort();
}

it('finishes a provision after its worker is SIGKILLed mid-way, with exactly one control plane', async () => {
  const taskQueue = fleet.newTaskQueue();
  const logFile = join(fleet.dataDir, 'worker.log');
  const first = fleet.spawnWorker(taskQueue, logFile);
  const handle = await fleet.client.workflow.start('provisionCluster', {
    workflowId: 'provision/delta',
    taskQueue,
    args: [{ spec: { name: 'delta', provider: 'local' } }],
  });
  // Kill the worker as soon as it starts creating the control plane.
  const entity = fleet.client.workflow.getHandle(clusterEntityId('delta'));
  await eventually(
    () => entity.query(getClusterState).catch(() => undefined),
    (s) => !!s?.current?.message?.startsWith('creating'),
    60_000,
  );
  first.kill('SIGKILL');
  await new Promise((r) => first.once('exit', r));

  fleet.spawnWorker(taskQueue, logFile);
  const result = await handle.result();
  expect(result).toMatchObject({ name: 'delta', version: '1.35.4' });
  expect((await entity.query(getClusterState)).phase).toBe('Active');

  const dir = clusterPaths(fleet.dataDir, 'delta').dir;
  expect(await processesOf(dir)).toEqual(['etcd', 'kube-apiserver']);
  expect((await fleet.local.list()).map((c) => c.name)).toEqual(['delta']);
});
