import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { clusterEntityId } from '../../src/domain/cluster/inventory.js';
import { repoDir } from '../../src/host/toolchain.js';
import { getRolloutProgress } from '../../src/temporal/messages/staged.js';
import { describeDeployment } from '../../src/temporal/worker-deployment.js';
import { eventually, FleetTestEnv } from '../helpers/fleet-env.js';
import { startTestEngine } from '../helpers/test-engine.js';

// Upgrading Fleetflow itself while an operation runs: build A's worker runs a rollout that
// waits at an approval gate; build B starts beside it and is made current; the rollout (pinned)
// finishes on A, a new rollout starts on B, the cluster entities (auto-upgrade) move to B; then
// A drains and its worker stops.
const run = promisify(execFile);
let fleet: FleetTestEnv;
beforeAll(async () => {
  fleet = await FleetTestEnv.create({ engine: startTestEngine });
});
afterAll(async () => {
  await fleet?.teardown();
});

const NAMES = ['va', 'vb'];

it('finishes a running rollout on its build, starts new work and moves the entities to the current build, then drains the old one', async () => {
  const taskQueue = fleet.newTaskQueue();
  const cli = (...args: string[]) => run(process.execPath, [join(repoDir, 'src/cli/bin.mjs'), ...args], { env: fleet.cliEnv(taskQueue) }).then((r) => r.stdout);
  const versioned = (buildId: string) => fleet.spawnWorker(taskQueue, join(fleet.dataDir, `worker-${buildId}.log`), { env: { FLEETFLOW_WORKER_VERSIONING: 'on', FLEETFLOW_BUILD_ID: buildId } });
  // A version exists once its worker has polled; it then stays: waiting for it cannot miss it.
  const registered = (buildId: string) =>
    eventually(() => describeDeployment(fleet.client, 'fleetflow').catch(() => undefined), (d) => !!d?.versions.some((v) => v.buildId === buildId), 90_000);
  const versionOf = async (workflowId: string) => {
    const r = await fleet.client.workflowService.describeWorkflowExecution({ namespace: fleet.namespace, execution: { workflowId } });
    const v = r.workflowExecutionInfo?.versioningInfo;
    return { behavior: v?.behavior, buildId: v?.deploymentVersion?.buildId };
  };
  const PINNED = 1;
  const AUTO_UPGRADE = 2;

  const workerA = versioned('build-a');
  await registered('build-a');
  expect(await cli('deployment', 'set-current', 'build-a')).toBe('deployment fleetflow: current build build-a\n');
  await Promise.all(NAMES.map((name) =>
    fleet.client.workflow.execute('provisionCluster', { workflowId: `provision/${name}`, taskQueue, args: [{ spec: { name, provider: 'local', labels: { app: 'shop' } } }] })));
  const rollout = (id: string, revision: string, approval: 'after' | 'none') =>
    fleet.client.workflow.start('fleetRollout', {
      workflowId: id,
      taskQueue,
      args: [{
        selector: { matchLabels: { app: 'shop' } },
        plan: { stages: [{ name: 'first', selector: { include: ['va'] }, approval }, { name: 'rest' }] },
        bundle: { name: 'shop', revision, manifests: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'default' }, data: { revision } }] },
      }],
    });
  const old = await rollout('rollout/on-a', 'v1', 'after');
  // The gate holds the rollout until the test approves it: the state cannot pass unseen.
  await eventually(() => old.query(getRolloutProgress), (p) => p.gate === 'first:after', 60_000);

  const workerB = versioned('build-b');
  await registered('build-b');
  expect(await cli('deployment', 'set-current', 'build-b')).toContain('deployment fleetflow: current build build-b (was build-a');
  await cli('rollout', 'approve', 'rollout/on-a', 'first:after', '--reason', 'canary fine');
  expect(await old.result()).toMatchObject({ outcome: 'Succeeded', applied: NAMES });
  expect(await versionOf('rollout/on-a')).toEqual({ behavior: PINNED, buildId: 'build-a' });

  const fresh = await rollout('rollout/on-b', 'v2', 'none');
  expect(await fresh.result()).toMatchObject({ outcome: 'Succeeded', applied: NAMES });
  expect(await versionOf('rollout/on-b')).toEqual({ behavior: PINNED, buildId: 'build-b' });
  // The entities took part in both rollouts (claims and releases are their workflow tasks): the last ran on B.
  for (const name of NAMES) expect(await versionOf(clusterEntityId(name))).toEqual({ behavior: AUTO_UPGRADE, buildId: 'build-b' });

  // Nothing is pinned to A any more: the server says drained (it re-checks every second here), and A stops.
  expect(await eventually(() => cli('deployment', 'drain-status', 'build-a'), (out) => out.includes('drained'), 60_000)).toMatch(/^build build-a: drained \(no run is pinned to it: its workers can stop\)/);
  workerA.kill('SIGTERM');
  expect(await new Promise((r) => workerA.once('exit', (code) => r(code)))).toBe(0);
  const status = JSON.parse(await cli('deployment', 'status', '-o', 'json')) as { currentBuildId: string; versions: { buildId: string; status: string }[] };
  expect(status).toMatchObject({ currentBuildId: 'build-b', versions: [{ buildId: 'build-a', status: 'drained' }, { buildId: 'build-b', status: 'current' }] });
  workerB.kill('SIGTERM');
  await new Promise((r) => workerB.once('exit', r));
});
