import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { clusterEntityId } from '../../src/domain/cluster/inventory.js';
import { repoDir } from '../../src/host/toolchain.js';
import { clusterPaths } from '../../src/providers/local/paths.js';
import { getClusterState } from '../../src/temporal/messages/cluster.js';
import { FleetTestEnv } from '../helpers/fleet-env.js';
import { fileGate } from '../helpers/gates.js';

let fleet: FleetTestEnv;
beforeAll(async () => {
  fleet = await FleetTestEnv.create();
});
afterAll(async () => {
  await fleet?.teardown();
});

/** Every live process whose command line names this cluster's folder (etcd, kube-apiserver, its controllers, KWOK). */
async function processesOf(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const cmdline = await readFile(join('/proc', pid, 'cmdline'), 'utf8').catch(() => '');
    if (cmdline.includes(dir)) found.push(cmdline.split('\0')[0]!.split('/').pop()!);
  }
  return found.sort();
}

it('finishes a provision after its worker is SIGKILLed mid-create, with exactly one control plane', async () => {
  const taskQueue = fleet.newTaskQueue();
  const logFile = join(fleet.dataDir, 'worker.log');
  // The first worker's createCluster starts the control plane, then holds at the gate: the
  // test kills it there, with the processes spawned and the activity not yet completed.
  const gateDir = mkdtempSync(join(fleet.dataDir, 'gate-'));
  const gate = fileGate(gateDir);
  const first = fleet.spawnWorker(taskQueue, logFile, { entry: join(repoDir, 'test', 'helpers', 'gated-worker.ts'), env: { FLEETFLOW_TEST_GATE: gateDir } });
  const handle = await fleet.client.workflow.start('provisionCluster', {
    workflowId: 'provision/delta',
    taskQueue,
    args: [{ spec: { name: 'delta', provider: 'local' } }],
  });
  await gate.reached();
  const entity = fleet.client.workflow.getHandle(clusterEntityId('delta'));
  expect((await entity.query(getClusterState)).current?.message).toBe('creating through the local provider');
  const dir = clusterPaths(fleet.dataDir, 'delta').dir;
  expect(await processesOf(dir)).toEqual(['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok']);
  first.kill('SIGKILL');
  await new Promise((r) => first.once('exit', r));
  await gate.open(); // nobody waits there any more; opened for tidiness

  // The real worker takes over: the create is retried (after its start-to-close timeout) and adopts the cluster.
  fleet.spawnWorker(taskQueue, logFile);
  const result = await handle.result();
  expect(result).toMatchObject({ name: 'delta', version: '1.35.4' });
  expect((await entity.query(getClusterState)).phase).toBe('Active');
  expect(await processesOf(dir)).toEqual(['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok']);
  expect((await fleet.local.list()).map((c) => c.name)).toEqual(['delta']);
  expect(readdirSync(gateDir)).toEqual(['open', 'reached']);
  expect(readFileSync(join(gateDir, 'reached'), 'utf8')).toBe(String(first.pid));
});
