import { readFileSync } from 'node:fs';
import { WorkflowFailedError, WorkflowUpdateFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { expect } from 'vitest';
import { clusterEntityId } from '../../src/domain/cluster/inventory.js';
import { serverVersion } from '../../src/kube/health.js';
import { readObject } from '../../src/kube/read.js';
import type { LocalProvider } from '../../src/providers/local/index.js';
import { clusterPaths } from '../../src/providers/local/paths.js';
import { getClusterState } from '../../src/temporal/messages/cluster.js';
import { approveGate, getRolloutProgress, getWaveProgress } from '../../src/temporal/messages/staged.js';
import { eventually } from './fleet-env.js';

/** `call`, made again every second while it fails for want of a server, until it answers, fails with a `Final` error, or `ms` pass. */
async function throughOutages<T>(call: () => Promise<T>, Final: new (...args: never[]) => Error, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await call();
    } catch (e) {
      if (e instanceof Final || Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }
}

/** The result, asked again while the server is down or restarting (the client's long poll fails then). */
export function resultThroughOutages<T>(handle: WorkflowHandle): Promise<T> {
  return throughOutages(() => handle.result() as Promise<T>, WorkflowFailedError, 600_000);
}

/**
 * Approves `gate`, asked again while the server cannot answer yet (a server whose database was
 * just restarted fails its first calls on connections the database dropped). One update id for
 * every attempt, so an approval the server took before the client heard back is not repeated.
 */
function approveThroughOutages(handle: WorkflowHandle, gate: string): Promise<void> {
  return throughOutages(() => handle.executeUpdate(approveGate, { args: [{ gate, by: 'test' }], updateId: `approve/${gate}` }), WorkflowUpdateFailedError, 120_000);
}

/**
 * Two local clusters (dev, staging), an upgrade wave and then a rollout over them; each is held
 * at an approval gate half done (the first cluster changed, the second not) while `killAndRestart`
 * takes the Temporal server (or its database) down and up again, then approved: both finish, each cluster changed once.
 * The worker runs in `local`'s data folder on `taskQueue`; the server is whatever `client` talks to.
 */
export async function waveAndRolloutAcrossServerKills(opts: {
  client: Client;
  taskQueue: string;
  local: LocalProvider;
  dataDir: string;
  names: [string, string];
  killAndRestart: () => Promise<void>;
  nodePools?: { name: string; nodeCount: number }[];
}): Promise<void> {
  const { client, taskQueue, local, names } = opts;
  const [first, second] = names;
  const label = `kill-${first}`;
  await Promise.all(
    [[first, 'dev'], [second, 'staging']].map(([name, environment]) =>
      client.workflow.execute('provisionCluster', { workflowId: `provision/${name}`, taskQueue, args: [{ spec: { name, provider: 'local', environment, labels: { app: label }, ...(opts.nodePools ? { nodePools: opts.nodePools } : {}) } }] }),
    ),
  );
  const creds = Object.fromEntries(await Promise.all(names.map(async (n) => [n, await local.credentials({ name: n, region: 'local' })] as const)));

  // The wave: held at staging's gate, the dev cluster upgraded and the staging one not.
  const wave = await client.workflow.start('upgradeWave', { workflowId: `upgrade-wave/${label}`, taskQueue, args: [{ targets: [{ selector: { include: names }, version: '1.36' }], soak: '0s', approval: 'before' }] });
  await eventually(() => wave.query(getWaveProgress), (p) => p.gate === 'dev:before', 60_000);
  await wave.executeUpdate(approveGate, { args: [{ gate: 'dev:before', by: 'test' }] });
  await eventually(() => wave.query(getWaveProgress), (p) => p.gate === 'staging:before', 300_000);
  expect(await serverVersion(creds[first]!)).toBe('1.36.3');
  expect(await serverVersion(creds[second]!)).toBe('1.35.4');
  await opts.killAndRestart();
  await approveThroughOutages(wave, 'staging:before');
  expect(await resultThroughOutages(wave)).toMatchObject({ outcome: 'Succeeded', upgraded: names });
  expect(await serverVersion(creds[second]!)).toBe('1.36.3');

  // The rollout: held at the second stage's gate, the canary applied and the rest not.
  const settings = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'default' }, data: { tier: 'gold' } };
  const rollout = await client.workflow.start('fleetRollout', {
    workflowId: `rollout/${label}`,
    taskQueue,
    args: [{ selector: { matchLabels: { app: label } }, plan: { stages: [{ name: 'canary', selector: { include: [first] } }, { name: 'rest', approval: 'before' }] }, bundle: { name: label, revision: 'v1', manifests: [settings] } }],
  });
  const tier = (name: string) => readObject(creds[name]!, { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'settings' }).then((cm) => (cm as { data?: Record<string, string> } | undefined)?.data?.tier);
  await eventually(() => rollout.query(getRolloutProgress), (p) => p.gate === 'rest:before', 120_000);
  expect(await tier(first)).toBe('gold');
  expect(await tier(second)).toBeUndefined();
  await opts.killAndRestart();
  await approveThroughOutages(rollout, 'rest:before');
  expect(await resultThroughOutages(rollout)).toMatchObject({ outcome: 'Succeeded', applied: names });
  expect(await tier(second)).toBe('gold');

  // Each cluster changed once: its API server started for the create's 1.35.4 and the upgrade's 1.36.3, one upgrade recorded.
  for (const name of names) {
    const starts = [...readFileSync(clusterPaths(opts.dataDir, name).apiserverLog, 'utf8').matchAll(/^--- \S+ starting kube-apiserver: (\S+)/gm)].map((m) => m[1]!.split('/').slice(-2, -1)[0]);
    expect(starts).toEqual(['1.35.4', '1.36.3']);
    const state = await eventually(() => client.workflow.getHandle(clusterEntityId(name)).query(getClusterState), (s) => !s.current, 30_000);
    expect(state).toMatchObject({ phase: 'Active', version: '1.36.3' });
    expect(state.history.filter((h) => h.type === 'upgrade').map((h) => [h.id, h.status])).toEqual([[`upgrade/${name}`, 'Succeeded']]);
  }
}
