import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterEntityId } from '../../src/domain/cluster/inventory.js';
import { serverVersion } from '../../src/kube/health.js';
import { repoDir, Toolchain } from '../../src/host/toolchain.js';
import { getClusterState } from '../../src/temporal/messages/cluster.js';
import { getWaveProgress } from '../../src/temporal/messages/staged.js';
import { eventually, FleetTestEnv } from '../helpers/fleet-env.js';
import { historyText, pemBody } from '../helpers/history-text.js';

// Real local clusters moved to the next Kubernetes minor by an upgrade wave: the 1.36
// kube-apiserver takes over each cluster's etcd data, and /version says so; then each node
// pool is surge-upgraded, its KWOK nodes replaced one by one by nodes at the new version.
const run = promisify(execFile);
let fleet: FleetTestEnv;
let taskQueue: string;

beforeAll(async () => {
  fleet = await FleetTestEnv.create();
  taskQueue = fleet.newTaskQueue();
});
afterAll(async () => {
  await fleet?.teardown();
});

const cli = (...args: string[]) =>
  run(process.execPath, [`${repoDir}/src/cli/bin.mjs`, ...args], { env: fleet.cliEnv(taskQueue) }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );
const toolchainKubectl = new Toolchain().kubectl();
const versionOf = async (name: string) => serverVersion(await fleet.local.credentials({ name, region: 'local' }));

describe('upgrade waves on real local clusters', () => {
  it('moves two local clusters from 1.35.4 to 1.36.3, dev first, then staging', async () => {
    await fleet.withWorker(taskQueue, async () => {
      await Promise.all(
        [['wave-a', 'dev'], ['wave-b', 'staging']].map(([name, environment]) =>
          fleet.client.workflow.execute('provisionCluster', { workflowId: `provision/${name}`, taskQueue, args: [{ spec: { name, provider: 'local', environment } }] }),
        ),
      );
      expect(await versionOf('wave-a')).toBe('1.35.4');
      const plan = { targets: [{ selector: { include: ['wave-a', 'wave-b'] }, version: '1.36' }], soak: '2s' };
      const file = join(fleet.dataDir, 'wave.yaml');
      writeFileSync(file, JSON.stringify(plan));

      // The dry run plans from the same inventory with the same code, and changes nothing.
      const dry = await eventually(() => cli('upgrade', 'start', '-f', file, '--dry-run'), (r) => r.stdout.includes('wave-b'));
      expect(dry.stdout.split('\n').slice(0, 4)).toEqual([
        'stage 1 dev (1 cluster; at most 1 at once, 0 failures allowed, soak 2s)',
        '  1. wave-a 1.35.4 -> 1.36',
        'stage 2 staging (1 cluster; at most 1 at once, 0 failures allowed, soak 2s)',
        '  1. wave-b 1.35.4 -> 1.36',
      ]);

      const started = Date.now();
      const result = await fleet.client.workflow.execute('upgradeWave', { workflowId: 'upgrade-wave/it', taskQueue, args: [plan] });
      console.log(`upgrade wave of two local clusters: ${Date.now() - started} ms`);
      expect(result).toMatchObject({ outcome: 'Succeeded', upgraded: ['wave-a', 'wave-b'] });
      for (const name of ['wave-a', 'wave-b']) {
        expect(await versionOf(name)).toBe('1.36.3');
        // The node-pool path ran too: the default pool's nodes were replaced, surge, by 1.36.3 kubelets.
        const nodes = await cli('clusters', 'kubeconfig', name).then(async (r) => {
          const file = join(fleet.dataDir, `${name}.kubeconfig`);
          writeFileSync(file, r.stdout);
          return run(toolchainKubectl, ['--kubeconfig', file, 'get', 'nodes', '--no-headers', '-o', 'custom-columns=NAME:.metadata.name,VERSION:.status.nodeInfo.kubeletVersion']);
        });
        expect(nodes.stdout.trim().split('\n').map((l) => l.split(/\s+/))).toEqual([
          [`${name}-default-2`, 'v1.36.3'],
          [`${name}-default-3`, 'v1.36.3'],
        ]);
        const state = await fleet.client.workflow.getHandle(clusterEntityId(name)).query(getClusterState);
        expect(state).toMatchObject({ phase: 'Active', version: '1.36.3', health: { status: 'Healthy' } });
        expect(state.history[0]).toMatchObject({ id: `upgrade/${name}`, type: 'upgrade', status: 'Succeeded', reason: 'upgrade wave upgrade-wave/it' });
      }
      const progress = await fleet.client.workflow.getHandle('upgrade-wave/it').query(getWaveProgress);
      const [a, b] = progress.clusters;
      expect(Date.parse(b!.startedAt!)).toBeGreaterThanOrEqual(Date.parse(a!.endedAt!) + 2_000); // staging after dev's soak

      // The CLI renders the finished wave.
      const status = await cli('upgrade', 'status', 'upgrade-wave/it');
      expect(status.stdout).toContain('upgrade wave upgrade-wave/it: Succeeded: 2 of 2 clusters done, 0 failed, 0 skipped');
      expect(status.stdout).toMatch(/wave-b\s+staging\s+1\.35\.4\s+1\.36\s+Succeeded/);

      // No credential material in the wave's or the upgrades' histories.
      const creds = await fleet.local.credentials({ name: 'wave-a', region: 'local' });
      const secrets = [creds.caPem, creds.auth.kind === 'clientCertificate' ? creds.auth.keyPem : creds.auth.token].map(pemBody);
      for (const id of ['upgrade-wave/it', 'upgrade/wave-a']) {
        const text = await historyText(await fleet.client.workflow.getHandle(id).fetchHistory());
        for (const s of secrets) expect(text).not.toContain(s.slice(0, 40));
      }
    });
  });

  it('refuses to upgrade a cluster two minor versions at once, saying why, and leaves it as it was', async () => {
    await fleet.withWorker(taskQueue, async () => {
      const failure = await fleet.client.workflow
        .execute('upgradeCluster', { workflowId: 'upgrade/wave-a', taskQueue, args: [{ name: 'wave-a', version: '1.38' }] })
        .then(() => undefined, (e: unknown) => (e instanceof WorkflowFailedError && e.cause instanceof ApplicationFailure ? e.cause : e));
      expect(failure).toMatchObject({ type: 'UpgradePreflightFailed', nonRetryable: true });
      expect((failure as Error).message).toBe(
        'upgrade failed: cluster wave-a: the upgrade to 1.38 is refused: cannot upgrade from 1.36.3 to 1.38 in one step: upgrade one minor version at a time (next: 1.37)',
      );
      expect(await versionOf('wave-a')).toBe('1.36.3');
      const state = await fleet.client.workflow.getHandle(clusterEntityId('wave-a')).query(getClusterState);
      expect(state).toMatchObject({ phase: 'Active', version: '1.36.3' });
      expect(state.current).toBeUndefined();
    });
  });

  it('manages schedules that start upgrade waves: create, list, describe, pause, trigger, delete', async () => {
    await fleet.withWorker(taskQueue, async () => {
      const file = join(fleet.dataDir, 'schedule.yaml');
      writeFileSync(
        file,
        [
          'id: weekly-dev',
          'calendar: { dayOfWeek: sat, hour: 2 }',
          'timeZone: Europe/Berlin',
          'jitter: 10m',
          'workflow: upgradeWave',
          'input:',
          '  targets: [{ selector: { include: [nobody] }, version: "1.36" }]',
        ].join('\n'),
      );
      const bad = join(fleet.dataDir, 'bad-schedule.yaml');
      writeFileSync(bad, 'id: x\ncron: "0 2 * *"\nworkflow: upgradeWave\ninput: { targets: [] }\n');
      expect(await cli('schedules', 'create', '-f', bad)).toMatchObject({
        code: 2,
        stderr: `error: ${bad}: invalid schedule: cron: must be five cron fields ("0 2 * * SAT") or @daily, @weekly...; input.targets: must name at least one target\n`,
      });

      expect(await cli('schedules', 'create', '-f', file)).toMatchObject({ code: 0, stdout: expect.stringMatching(/^schedule weekly-dev created \(upgradeWave\); next runs: /) });
      expect((await cli('schedules', 'create', '-f', file)).stderr).toBe('error: schedule weekly-dev already exists: delete it first, or edit it in the Temporal UI\n');
      const listed = await eventually(() => cli('schedules', 'list', '-o', 'json'), (r) => r.stdout.includes('weekly-dev'));
      expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ id: 'weekly-dev', workflow: 'upgradeWave', paused: false })]);

      const d = await fleet.client.schedule.getHandle('weekly-dev').describe();
      expect(d.policies.overlap).toBe('SKIP');
      expect(d.spec.timezone).toBe('Europe/Berlin');
      expect(d.info.nextActionTimes[0]!.getTime()).toBeGreaterThan(Date.now());
      const described = await cli('schedules', 'describe', 'weekly-dev');
      expect(described.stdout).toContain('time zone:   Europe/Berlin, jitter 600 s');
      expect(described.stdout).toContain('policies:    overlap SKIP');

      expect(await cli('schedules', 'pause', 'weekly-dev', '--reason', 'freeze')).toMatchObject({ code: 0 });
      expect((await fleet.client.schedule.getHandle('weekly-dev').describe()).state).toMatchObject({ paused: true, note: expect.stringContaining('freeze') });
      expect(await cli('schedules', 'unpause', 'weekly-dev')).toMatchObject({ code: 0 });

      // A manual trigger starts a wave now; it selects nobody, so it succeeds at once.
      expect(await cli('schedules', 'trigger', 'weekly-dev')).toMatchObject({ code: 0 });
      const taken = await eventually(() => fleet.client.schedule.getHandle('weekly-dev').describe(), (x) => x.info.recentActions.length > 0);
      const waveId = taken.info.recentActions[0]!.action.workflow.workflowId;
      expect(waveId).toMatch(/^upgrade-wave\/weekly-dev-/);
      expect(await fleet.client.workflow.getHandle(waveId).result()).toMatchObject({ outcome: 'Succeeded', upgraded: [] });

      expect(await cli('schedules', 'delete', 'weekly-dev')).toMatchObject({ code: 0 });
      expect((await cli('schedules', 'describe', 'weekly-dev')).stderr).toBe('error: no schedule weekly-dev\n');
    });
  });
});
