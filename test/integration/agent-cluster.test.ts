import { execFile, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { CliContext } from '../../src/cli/context.js';
import { run } from '../../src/cli/main.js';
import { loadConfig } from '../../src/config.js';
import { joinProof } from '../../src/domain/agent/join.js';
import { agentUpgradeRefusal } from '../../src/domain/upgrade/preflight.js';
import { clusterEntityId } from '../../src/domain/cluster/inventory.js';
import { agentTaskQueue } from '../../src/domain/cluster/target.js';
import type { ClusterState } from '../../src/domain/cluster/state.js';
import { repoDir, Toolchain } from '../../src/host/toolchain.js';
import { readObject } from '../../src/kube/read.js';
import { LocalProvider } from '../../src/providers/local/index.js';
import { ProviderRegistry } from '../../src/providers/registry.js';
import { agentJoin } from '../../src/temporal/messages/agent.js';
import { checkClusterNow } from '../../src/temporal/messages/cluster-check.js';
import { getClusterState } from '../../src/temporal/messages/cluster.js';
import { deleteFleetPolicy, evaluateFleetPolicy } from '../../src/temporal/messages/policy.js';
import { approveGate, getWaveProgress } from '../../src/temporal/messages/staged.js';
import { eventually, FleetTestEnv, NAMESPACE } from '../helpers/fleet-env.js';
import { fileGate } from '../helpers/gates.js';
import { historyText } from '../helpers/history-text.js';

// A site behind a firewall: its control plane is made by a provider of its own (another data
// folder), and its kubeconfig is handed only to the agent process. The main worker serves the
// local provider of this file's folder and no external account: it has no way to reach the site.
// The agent's kubeconfig holds no admin certificate: the token of the ServiceAccount of
// deploy/agent/rbac.yaml, applied on the site as its owners would, so every test here runs the
// agent with exactly the privileges the README lists.
const EDGE = 'edge-1';
const DIRECT = 'core-1';
const IDENTITY = 'site-a';
let fleet: FleetTestEnv;
let site: LocalProvider;
let siteDir: string;
let kubeconfig: string;
/** The site's own admin kubeconfig: only the test, as the site's owners, uses it. */
let adminKubeconfig: string;
const siteKubectl = (...args: string[]) => promisify(execFile)(new Toolchain().kubectl(), ['--kubeconfig', adminKubeconfig, ...args]);
let worker: Worker;
let running: Promise<void>;
const taskQueue = `test-agent-${Date.now()}`;
const tokens: string[] = [];
const agents: ChildProcess[] = [];

beforeAll(async () => {
  fleet = await FleetTestEnv.create();
  siteDir = mkdtempSync(join(tmpdir(), 'fleetflow-site-'));
  site = new LocalProvider({ dataDir: siteDir, toolchain: new Toolchain() });
  await site.create({ name: 'site-a', region: 'local', labels: {}, idempotencyKey: 'site' });
  await site.waitUntilRunning({ name: 'site-a', region: 'local' });
  adminKubeconfig = site.kubeconfigPath('site-a');
  kubeconfig = join(siteDir, 'agent.kubeconfig');
  await siteKubectl('apply', '-f', join(repoDir, 'deploy', 'agent', 'rbac.yaml'));
  const token = (await siteKubectl('-n', 'fleetflow-system', 'create', 'token', 'fleetflow-agent', '--duration', '2h')).stdout.trim();
  const admin = JSON.parse((await siteKubectl('config', 'view', '--raw', '--flatten', '--minify', '-o', 'json')).stdout) as { contexts: { context: { user: string } }[]; users: unknown[] };
  const user = admin.contexts[0]!.context.user;
  writeFileSync(kubeconfig, JSON.stringify({ ...admin, users: [{ name: user, user: { token } }] }));
  worker = await Worker.create({
    connection: fleet.env.nativeConnection,
    namespace: NAMESPACE,
    taskQueue,
    workflowBundle: fleet.bundle,
    activities: createActivities({ client: fleet.client, providers: new ProviderRegistry([fleet.local]) }),
  });
  running = worker.run();
}, 240_000);

afterAll(async () => {
  for (const a of agents) a.kill('SIGKILL');
  worker?.shutdown();
  await running;
  await site?.delete({ name: 'site-a', region: 'local' }).catch(() => undefined);
  if (siteDir) rmSync(siteDir, { recursive: true, force: true });
  await fleet?.teardown();
});

/** The CLI in this process, on the test's Temporal client. */
class TestCli extends CliContext {
  override async temporal() {
    return fleet.client;
  }
}
async function cli(...argv: string[]): Promise<{ code: number; out: string[] }> {
  const out: string[] = [];
  const ctx = new TestCli((l) => out.push(l));
  ctx.config = loadConfig(fleet.cliEnv(taskQueue));
  return { code: await run(argv, ctx), out };
}

const logFile = () => join(fleet.dataDir, 'agent.log');
/** `fleetflow agent` as its own process, with the site's kubeconfig (which nothing else is given). */
function startAgent(extra: string[] = []): ChildProcess {
  const child = fleet.spawnWorker(taskQueue, logFile(), {
    entry: join(repoDir, 'src', 'cli', 'bin.mjs'),
    args: ['agent', '--cluster', EDGE, '--kubeconfig', kubeconfig, '--identity', IDENTITY, '--heartbeat-every', '1s', ...extra],
  });
  agents.push(child);
  return child;
}
/**
 * Resolves once an agent that started after `since` polls the agent cluster's activity queue:
 * a task scheduled after that is picked up within offlineAfter however slowly the process started.
 */
async function agentPolling(since: number): Promise<void> {
  await eventually(
    () => fleet.client.workflowService.describeTaskQueue({ namespace: NAMESPACE, taskQueue: { name: agentTaskQueue(EDGE) }, taskQueueType: 2 /* activity */ }),
    (r) => (r.pollers ?? []).some((p) => Number(p.lastAccessTime?.seconds ?? 0) * 1000 + (p.lastAccessTime?.nanos ?? 0) / 1e6 >= since),
    60_000,
  );
}
async function stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL') {
  if (child.exitCode !== null || child.signalCode !== null) return; // stopped before
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  await exited;
}

const entity = (name: string) => fleet.client.workflow.getHandle(clusterEntityId(name));
const stateOf = (name: string): Promise<ClusterState> => entity(name).query(getClusterState);
const sha256 = (t: string) => createHash('sha256').update(t).digest('hex');
async function newToken(name: string, ttl = '5m'): Promise<string> {
  const r = await cli('clusters', 'join-token', name, '--ttl', ttl);
  expect(r.code).toBe(0);
  tokens.push(r.out[0]!);
  return r.out[0]!;
}
/** What an agent holding `token` sends to `name`'s entity; the refusal's message, or 'joined'. */
async function present(name: string, token: string, identity = 'intruder'): Promise<string> {
  return entity(name)
    .executeUpdate(agentJoin, { args: [{ proof: joinProof(name, token, sha256), identity, version: '0.1.0' }] })
    .then(() => 'joined', (e: unknown) => (e instanceof WorkflowUpdateFailedError ? `${(e.cause as { type?: string }).type}: ${e.cause?.message}` : String(e)));
}
const settings = (tier: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'shop' }, data: { tier } });
const shop = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } };
const rollout = (id: string, revision: string, maxFailures = 0) =>
  fleet.client.workflow.execute('fleetRollout', {
    workflowId: id,
    taskQueue,
    args: [{ selector: { matchLabels: { app: 'shop' } }, plan: { stages: [{ name: 'all', maxConcurrency: '100%', maxFailures }] }, bundle: { name: 'shop', revision, manifests: [shop, settings(revision)] }, rolloutDeadline: '20s' }],
  });
/**
 * The activities a workflow run scheduled, as "name on queue by worker": whether a cluster check
 * ran on the agent (its worker identity is `<identity>/agent/<cluster>`) or on the main worker.
 */
async function activitiesIn(workflowId: string, runId: string | undefined): Promise<string[]> {
  const events = (await fleet.client.workflow.getHandle(workflowId, runId).fetchHistory()).events ?? [];
  const startedBy = new Map(events.filter((e) => e.activityTaskStartedEventAttributes).map((e) => [String(e.activityTaskStartedEventAttributes!.scheduledEventId), e.activityTaskStartedEventAttributes!.identity ?? '']));
  return events
    .filter((e) => e.activityTaskScheduledEventAttributes)
    .map((e) => {
      const a = e.activityTaskScheduledEventAttributes!;
      const by = startedBy.get(String(e.eventId)) ?? '';
      return `${a.activityType?.name} on ${a.taskQueue?.name} by ${by.endsWith(`/agent/${EDGE}`) ? by : 'the main worker'}`;
    });
}
/** A wave's upgrade of an agent cluster: claimed on the main worker, every check on the agent, no provider call. */
const checkedThroughAgent = [
  `claimClusterOperation on ${taskQueue} by the main worker`,
  `checkClusterHealth on fleetflow-agent/${EDGE} by ${IDENTITY}/agent/${EDGE}`,
  `scanRemovedApis on fleetflow-agent/${EDGE} by ${IDENTITY}/agent/${EDGE}`,
];
const tierOn = async (creds: Awaited<ReturnType<LocalProvider['credentials']>>) =>
  ((await readObject(creds, { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'settings' })) as { data?: { tier?: string } } | undefined)?.data?.tier;

describe('a cluster behind a firewall, reached through its agent', () => {
  it('joins with a token and is accepted; a rollout over a direct and an agent cluster succeeds and health comes from the agent', async () => {
    await fleet.client.workflow.execute('provisionCluster', { workflowId: `provision/${DIRECT}`, taskQueue, args: [{ spec: { name: DIRECT, provider: 'local', labels: { app: 'shop' } } }] });
    for (const name of [EDGE, 'edge-2']) {
      const file = join(fleet.dataDir, `${name}.json`);
      writeFileSync(file, JSON.stringify({ name, provider: 'external', labels: { app: name === EDGE ? 'shop' : 'other' }, healthCheckInterval: '5s', connection: { mode: 'agent', offlineAfter: '5s' } }));
      expect((await cli('clusters', 'register', '-f', file)).out[0]).toBe(`cluster ${name} registered (phase AgentPending)`);
    }

    // Refused: an expired token, another cluster's token. Neither changes the entity.
    const expired = await newToken(EDGE, '1s');
    await new Promise((r) => setTimeout(r, 1500));
    expect(await present(EDGE, expired)).toMatch(/^JoinRefused: cluster edge-1: join refused: the join token expired at /);
    const others = await newToken('edge-2');
    // The agent joins with a fresh token; another cluster's token is refused while it is outstanding.
    const token = await newToken(EDGE);
    expect(await present(EDGE, others)).toBe("JoinRefused: cluster edge-1: join refused: the token is not this cluster's outstanding join token");
    const tokenFile = join(fleet.dataDir, 'join-token');
    writeFileSync(tokenFile, token);
    startAgent(['--join-token-file', tokenFile]);
    const pendingState = await eventually(() => stateOf(EDGE), (s) => !!s.agent, 60_000);
    expect(pendingState.phase).toBe('AgentPending');
    expect(pendingState.agent).toMatchObject({ identity: IDENTITY, version: '0.1.0' });
    // The token worked once.
    expect(await present(EDGE, token)).toBe('JoinRefused: cluster edge-1: join refused: no join token is outstanding (it was used, or none was made): make one with `fleetflow clusters join-token`');

    // The operator's half: accepted (recorded), Active, and the first health check runs on the agent.
    const accepted = await cli('clusters', 'accept', EDGE);
    expect(accepted.code).toBe(0);
    expect(accepted.out[0]).toMatch(new RegExp(`^cluster edge-1: agent ${IDENTITY} \\(version 0.1.0\\) accepted by cli:.+; phase Active$`));
    const healthy = await eventually(() => stateOf(EDGE), (s) => s.health.status !== 'Unknown', 60_000);
    expect(healthy.health.status).toBe('Healthy');
    expect(healthy.version).toBe('1.35.4');

    expect(await rollout('rollout/shop-v1', 'v1')).toMatchObject({ outcome: 'Succeeded', applied: [DIRECT, EDGE] });
    expect(await tierOn(await site.credentials({ name: 'site-a', region: 'local' }))).toBe('v1');
    expect(await tierOn(await fleet.local.credentials({ name: DIRECT, region: 'local' }))).toBe('v1');

    // Nothing of any token is in any history: only digests and the spent proof.
    for (const id of [clusterEntityId(EDGE), clusterEntityId('edge-2'), 'rollout/shop-v1']) {
      const text = await historyText(await fleet.client.workflow.getHandle(id).fetchHistory());
      for (const t of tokens) expect(text).not.toContain(t);
    }
  }, 240_000);

  it('finishes an apply after its agent is SIGKILLed in the middle of it', async () => {
    for (const a of agents.splice(0)) await stop(a);
    const gateDir = mkdtempSync(join(fleet.dataDir, 'gate-'));
    const gate = fileGate(gateDir);
    const since = Date.now(); // the agents before were stopped: none of them polls after this
    const gated = fleet.spawnWorker(taskQueue, logFile(), { entry: join(repoDir, 'test', 'helpers', 'gated-agent.ts'), env: { FLEETFLOW_TEST_GATE: gateDir }, args: [EDGE, kubeconfig, IDENTITY] });
    agents.push(gated);
    await agentPolling(since); // else a slow start would make the apply AgentOffline, not interrupted
    const done = rollout('rollout/shop-v2', 'v2');
    await gate.reached(); // the agent applied v2 and has not answered
    expect(await tierOn(await site.credentials({ name: 'site-a', region: 'local' }))).toBe('v2');
    await stop(gated);
    await gate.open();
    startAgent(); // joined before: no token needed
    expect(await done).toMatchObject({ outcome: 'Succeeded', applied: [DIRECT, EDGE] });
    expect((await stateOf(EDGE)).bundles?.find((b) => b.name === 'shop')?.revision).toBe('v2');
  }, 180_000);

  it('turns Unreachable (AgentOffline) when the agent is gone, counts it against a rollout budget, and recovers when it returns', async () => {
    for (const a of agents.splice(0)) await stop(a);
    const offline = await eventually(() => stateOf(EDGE), (s) => s.health.status === 'Unreachable', 30_000);
    // Whichever notices first: the missing heartbeat, or a health check no agent picked up.
    expect(offline.health.reasons[0]).toMatch(/^(AgentOffline: no heartbeat from agent site-a since |cluster edge-1: AgentOffline: no agent picked up checkClusterHealth )/);
    expect(offline.phase).toBe('Degraded');

    // The agent cluster's apply waits offlineAfter (5 s) for an agent, then fails AgentOffline: within a budget of 1.
    const result = await rollout('rollout/shop-v3', 'v3', 1);
    expect(result).toMatchObject({ outcome: 'Succeeded', applied: [DIRECT] });
    expect(result.counts.Failed).toBe(1);
    const edge = await stateOf(EDGE);
    expect(edge.history[0]).toMatchObject({ type: 'apply', status: 'Failed' });
    expect(edge.history[0]?.message).toContain('AgentOffline');

    startAgent();
    const back = await eventually(() => stateOf(EDGE), (s) => s.health.status === 'Healthy', 60_000);
    expect(back.phase).toBe('Active');
  }, 180_000);

  it('finds drift on the agent cluster through its agent, repairs an auto-reconciled bundle, and reads fleet-policy compliance there', async () => {
    // The agent is back (previous test; started here if that one stopped early).
    if (!agents.some((a) => a.exitCode === null && a.signalCode === null)) startAgent();
    await eventually(() => stateOf(EDGE), (s) => s.health.status === 'Healthy', 60_000);
    // A bundle the entity keeps in place, beside shop (whose drift is only reported).
    const guard = { name: 'guard', revision: 'g1', manifests: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'guard', namespace: 'shop' }, data: { level: 'strict' } }] };
    await fleet.client.workflow.execute('applyBundleToCluster', { workflowId: `apply/${EDGE}/guard`, taskQueue, args: [{ cluster: EDGE, bundle: guard, autoReconcile: true }] });
    const siteCreds = await site.credentials({ name: 'site-a', region: 'local' });

    // Someone on the site edits fields Fleetflow owns; the entity is asked to check now (its drift check runs on the agent).
    await siteKubectl('-n', 'shop', 'patch', 'configmap', 'settings', '--type', 'merge', '-p', '{"data":{"tier":"edited"}}');
    await siteKubectl('-n', 'shop', 'patch', 'configmap', 'guard', '--type', 'merge', '-p', '{"data":{"level":"off"}}');
    await entity(EDGE).signal(checkClusterNow);
    const state = await eventually(() => stateOf(EDGE), (s) =>
      s.history.some((op) => op.type === 'reconcile' && op.status === 'Succeeded') && s.bundles?.find((b) => b.name === 'shop')?.drift?.status === 'Drifted', 60_000);
    expect(state.history.find((op) => op.type === 'reconcile')?.message).toMatch(/^re-applied guard@g1: 1 objects repaired/);
    expect(state.bundles?.find((b) => b.name === 'shop')?.drift).toMatchObject({ status: 'Drifted', drifted: 1, details: ['ConfigMap shop/settings: .data.tier'] });
    const data = async (name: string) => ((await readObject(siteCreds, { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', name })) as { data?: Record<string, string> } | undefined)?.data;
    expect(await data('guard')).toEqual({ level: 'strict' });
    expect(await data('settings')).toEqual({ tier: 'edited' });

    // A fleet policy over both clusters: the agent cluster's compliance is read by its agent, not left Unknown.
    const policy = { name: 'edge-guard', selector: { matchLabels: { app: 'shop' } }, evaluateEvery: '1h', policies: [{ name: 'quota', mode: 'inform', objects: [{ apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q', namespace: 'shop' }, spec: { hard: { pods: '10' } } }] }] };
    const p = await fleet.client.workflow.start('fleetPolicy', { workflowId: 'policy/edge-guard', taskQueue, args: [{ policy }] });
    const view = await p.executeUpdate(evaluateFleetPolicy);
    expect(view.matrix[EDGE]?.quota).toEqual({ state: 'NonCompliant', reasons: ['ResourceQuota shop/q: missing'] });
    expect(view.matrix[DIRECT]?.quota).toEqual({ state: 'NonCompliant', reasons: ['ResourceQuota shop/q: missing'] });
    await p.executeUpdate(deleteFleetPolicy, { args: [{ by: 'test' }] });
    await p.result();
  }, 120_000);

  it("runs an upgrade's checks through the agent: behind the target it is refused (its owners upgrade it), and a wave after the owners' upgrade confirms and records the version", async () => {
    if (!agents.some((a) => a.exitCode === null && a.signalCode === null)) startAgent();
    await eventually(() => stateOf(EDGE), (s) => s.health.status === 'Healthy' && !s.current, 60_000);
    const ref = { name: 'site-a', region: 'local' };

    // Behind the target: health, /version and the removed-API scan run on the agent, then the upgrade is refused, nothing changed.
    const refused = await fleet.client.workflow.start('upgradeCluster', { workflowId: `upgrade/${EDGE}`, taskQueue, args: [{ name: EDGE, version: '1.36' }] });
    const failure = await refused.result().then(() => undefined, (e: unknown) => (e instanceof WorkflowFailedError ? (e.cause as ApplicationFailure) : e));
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect((failure as ApplicationFailure).type).toBe('NotSupported');
    expect((failure as ApplicationFailure).message).toBe(`upgrade failed: ${agentUpgradeRefusal(EDGE, '1.36', '1.35.4')}`);
    // Started on its own, it reads the cluster's maintenance window first (the entity's, on the main worker).
    expect(await activitiesIn(refused.workflowId, refused.firstExecutionRunId)).toEqual([`readClusterSummary on ${taskQueue} by the main worker`, ...checkedThroughAgent]);
    expect(await eventually(() => stateOf(EDGE), (st) => !st.current, 30_000)).toMatchObject({ phase: 'Active', version: '1.35.4' });

    // A wave plans the agent cluster (1.35.4 -> 1.36) and waits at its gate; meanwhile the site's owners upgrade it.
    const plan = { targets: [{ selector: { include: [EDGE] }, version: '1.36' }], soak: '0s', approval: 'before' };
    const wave = await fleet.client.workflow.start('upgradeWave', { workflowId: 'upgrade-wave/edge', taskQueue, args: [plan] });
    await eventually(() => wave.query(getWaveProgress), (p) => p.gate === 'dev:before', 30_000);
    await site.upgradeControlPlane(ref, { version: '1.36', idempotencyKey: 'site-owners' });
    expect(await eventually(() => site.describeChange(ref, 'upgrade-to-1.36.3'), (c) => c.status !== 'InProgress', 60_000)).toMatchObject({ status: 'Succeeded' });
    // The entity may have seen the API server down while it restarted: wait for a check after the upgrade.
    const upgradedAt = Date.now();
    await eventually(() => stateOf(EDGE), (st) => st.health.status === 'Healthy' && Date.parse(st.health.checkedAt ?? '') > upgradedAt, 60_000);
    await wave.executeUpdate(approveGate, { args: [{ gate: 'dev:before', by: 'test' }] });
    const result = await wave.result();
    expect(result).toMatchObject({ outcome: 'Succeeded', upgraded: [EDGE] });
    const child = await fleet.client.workflow.getHandle(`upgrade/${EDGE}`).describe();
    expect(child.runId).not.toBe(refused.firstExecutionRunId);
    expect(await activitiesIn(`upgrade/${EDGE}`, child.runId)).toEqual(checkedThroughAgent);
    const after = await eventually(() => stateOf(EDGE), (st) => !st.current, 30_000);
    expect(after).toMatchObject({ phase: 'Active', version: '1.36.3' });
    // The entity recorded both: the refusal, then the wave's check that found the owners' version.
    const upgrades = after.history.filter((op) => op.type === 'upgrade');
    expect(upgrades[0]).toMatchObject({ id: `upgrade/${EDGE}`, status: 'Succeeded', message: 'already at 1.36.3: nothing to upgrade', reason: 'upgrade wave upgrade-wave/edge' });
    expect(upgrades[1]).toMatchObject({ id: `upgrade/${EDGE}`, status: 'Failed', message: `upgrade failed: ${agentUpgradeRefusal(EDGE, '1.36', '1.35.4')}` });
  }, 180_000);

  it('deregisters an agent cluster without a provider call (the main worker serves none for it)', async () => {
    await fleet.client.workflow.execute('decommissionCluster', { workflowId: 'decommission/edge-2', taskQueue, args: [{ name: 'edge-2' }] });
    const gone = await entity('edge-2').result();
    expect(gone.phase).toBe('Deleted');
    expect(gone.history[0]?.message).toBe('deregistered (the cluster itself was not touched)');
  }, 60_000);
});
