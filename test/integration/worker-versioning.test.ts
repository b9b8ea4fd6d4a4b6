import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { tsToMs } from '@temporalio/common/lib/time.js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { clusterEntityId } from '../../src/domain/cluster/inventory.js';
import { repoDir } from '../../src/host/toolchain.js';
import { getClusterState } from '../../src/temporal/messages/cluster.js';
import { getWaveProgress } from '../../src/temporal/messages/staged.js';
import { describeDeployment } from '../../src/temporal/worker-deployment.js';
import { eventually, FleetTestEnv } from '../helpers/fleet-env.js';
import { startTestEngine } from '../helpers/test-engine.js';

// Upgrading Fleetflow itself while an operation runs: build A's worker runs an upgrade wave with
// a soak, held at its approval gate; build B starts beside it and is made current; the wave
// (pinned) upgrades its cluster, soaks and finishes on A, a new wave starts on B, the cluster
// entities (auto-upgrade) move to B; then A drains and its worker stops.
const run = promisify(execFile);
let fleet: FleetTestEnv;
beforeAll(async () => {
  fleet = await FleetTestEnv.create({ engine: startTestEngine });
});
afterAll(async () => {
  await fleet?.teardown();
});

const CLUSTERS = [['va', 'dev'], ['vb', 'staging']] as const;
const NAMES = CLUSTERS.map(([name]) => name);
const SOAK_MS = 3_000;
// One node per cluster: the upgrade's surge replaces one node, not the default two.
const ONE_NODE = [{ name: 'default', nodeCount: 1 }];

it('finishes a running wave on its build, starts a new wave and moves the entities to the current build, then drains the old one', async () => {
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
  /** The build of every workflow task a run completed after `since` (epoch ms), from its history. */
  const taskBuildsAfter = async (workflowId: string, since: number) => {
    const { events } = await fleet.client.workflow.getHandle(workflowId).fetchHistory();
    return (events ?? [])
      .filter((e) => e.workflowTaskCompletedEventAttributes && tsToMs(e.eventTime) > since)
      .map((e) => e.workflowTaskCompletedEventAttributes!.deploymentVersion?.buildId);
  };
  const PINNED = 1;
  const AUTO_UPGRADE = 2;

  const workerA = versioned('build-a');
  await registered('build-a');
  expect(await cli('deployment', 'set-current', 'build-a')).toBe('deployment fleetflow: current build build-a\n');
  await Promise.all(CLUSTERS.map(([name, environment]) =>
    fleet.client.workflow.execute('provisionCluster', { workflowId: `provision/${name}`, taskQueue, args: [{ spec: { name, provider: 'local', environment, nodePools: ONE_NODE } }] })));
  // Each wave upgrades one cluster to 1.36; A's soaks after its stage (the later stages are empty).
  const wave = (id: string, cluster: string, opts: { approval: 'before' | 'none'; soak: string }) =>
    fleet.client.workflow.start('upgradeWave', { workflowId: id, taskQueue, args: [{ targets: [{ selector: { include: [cluster] }, version: '1.36' }], ...opts }] });
  const old = await wave('upgrade-wave/on-a', 'va', { approval: 'before', soak: `${SOAK_MS / 1000}s` });
  // The gate holds the wave until the test approves it: the state cannot pass unseen.
  await eventually(() => old.query(getWaveProgress), (p) => p.gate === 'dev:before', 60_000);

  const workerB = versioned('build-b');
  await registered('build-b');
  expect(await cli('deployment', 'set-current', 'build-b')).toContain('deployment fleetflow: current build build-b (was build-a');
  const madeCurrent = Date.now();
  await cli('upgrade', 'approve', 'upgrade-wave/on-a', 'dev:before', '--reason', 'window open');
  expect(await old.result()).toMatchObject({ outcome: 'Succeeded', upgraded: ['va'] });
  // All of the wave's work came after B was current, and all of it ran on A: the upgrade (a child
  // of a pinned run), then the soak, then the end.
  expect(await versionOf('upgrade-wave/on-a')).toEqual({ behavior: PINNED, buildId: 'build-a' });
  expect(await versionOf('upgrade/va')).toEqual({ behavior: PINNED, buildId: 'build-a' });
  const builds = await taskBuildsAfter('upgrade-wave/on-a', madeCurrent);
  expect(builds.length).toBeGreaterThan(2);
  expect(new Set(builds)).toEqual(new Set(['build-a']));
  const [va] = (await old.query(getWaveProgress)).clusters;
  expect(Date.parse(va!.startedAt!)).toBeGreaterThan(madeCurrent);
  const closed = (await old.describe()).closeTime!.getTime();
  expect(closed).toBeGreaterThanOrEqual(Date.parse(va!.endedAt!) + SOAK_MS);

  const fresh = await wave('upgrade-wave/on-b', 'vb', { approval: 'none', soak: '0s' });
  expect(await fresh.result()).toMatchObject({ outcome: 'Succeeded', upgraded: ['vb'] });
  expect(await versionOf('upgrade-wave/on-b')).toEqual({ behavior: PINNED, buildId: 'build-b' });
  expect(await versionOf('upgrade/vb')).toEqual({ behavior: PINNED, buildId: 'build-b' });
  // Each entity took part in an upgrade after B was current (claim and report are its workflow tasks).
  for (const name of NAMES) {
    expect(await versionOf(clusterEntityId(name))).toEqual({ behavior: AUTO_UPGRADE, buildId: 'build-b' });
    expect(await fleet.client.workflow.getHandle(clusterEntityId(name)).query(getClusterState)).toMatchObject({ phase: 'Active', version: '1.36.3' });
  }

  // Nothing is pinned to A any more: the server says drained (it re-checks every second here), and A stops.
  expect(await eventually(() => cli('deployment', 'drain-status', 'build-a'), (out) => out.includes('drained'), 60_000)).toMatch(/^build build-a: drained \(no run is pinned to it: its workers can stop\)/);
  workerA.kill('SIGTERM');
  expect(await new Promise((r) => workerA.once('exit', (code) => r(code)))).toBe(0);
  const status = JSON.parse(await cli('deployment', 'status', '-o', 'json')) as { currentBuildId: string; versions: { buildId: string; status: string }[] };
  expect(status).toMatchObject({ currentBuildId: 'build-b', versions: [{ buildId: 'build-a', status: 'drained' }, { buildId: 'build-b', status: 'current' }] });
  workerB.kill('SIGTERM');
  await new Promise((r) => workerB.once('exit', r));
});
