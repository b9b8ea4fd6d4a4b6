import { ApplicationFailure, isCancellation, patched, setCurrentDetails, sleep, workflowInfo } from '@temporalio/workflow';
import type { ClusterHealth, ClusterPhase } from '../src/domain/cluster/state.js';
import { nextPollDelay, pollPlan } from '../src/domain/cluster/operation-inputs.js';
import { maintenanceVerdict } from '../src/domain/time/maintenance-verdict.js';
import { classifyUpgradeFailure, phaseBeforeUpgrade, type UpgradeStage } from '../src/domain/upgrade/failure-verdict.js';
import {
  agentUpgradeRefusal,
  PREFLIGHT_REFUSED,
  postUpgradeVerdict,
  preflight,
  UpgradeClusterInputSchema,
  upgradeTimeoutMs,
  type UpgradeClusterInput,
  type UpgradeClusterOptions,
} from '../src/domain/upgrade/preflight.js';
import type { ProviderChange } from '../src/providers/types.js';
import { targetOf, type ClusterTarget } from '../src/domain/cluster/target.js';
import { cloud, quick } from './activity-profiles.js';
import { operationWorkflowId } from '../src/domain/cluster/workflow-ids.js';
import { OperationReporter, operationFailure, parseInput, requireWorkflowId, rootFailure } from './operation-steps.js';

/** What upgradeCluster did. */
export interface UpgradeClusterResult {
  name: string;
  from: string;
  /** The version the control plane reports now. */
  version: string;
  noop: boolean;
  /** Node pools upgraded, in order. */
  nodePools: string[];
  health: ClusterHealth['status'];
  warnings: string[];
}

/**
 * Upgrades one cluster (id `upgrade/<name>`): claim the entity -> preflight (version skew with
 * the provider's node pool versions, removed-API scan, health; every refusal listed) -> the
 * control plane through the provider, polled on durable timers -> node pools one at a time ->
 * post-upgrade health. A control plane cannot be downgraded: a failure after it moved fails
 * with type PostUpgradeFailure and says the control plane stays at the new version; the
 * cluster is left Degraded (not Failed) so that a retry, which resumes with the node pools,
 * is accepted. Node pools are drained by the provider (managed node groups and GKE surge
 * upgrades replace nodes themselves), so this workflow does not call drainNode.
 *
 * An agent cluster (connection.mode agent) is checked, not changed: its health, /version and
 * removed-API scan run on its agent's queue (the routing of activity-profiles.ts); at the target
 * already, the upgrade succeeds as a no-op and records the version; behind it, it fails
 * NotSupported (its owners upgrade it on the site), having changed nothing.
 *
 * Started directly (not by a wave, which admits its children by their windows itself), it
 * first waits for the cluster's maintenance window, unless `ignoreMaintenanceWindow` with a
 * `reason`, which the claim records.
 */
export async function upgradeCluster(input: UpgradeClusterInput): Promise<UpgradeClusterResult> {
  const req = parseInput(UpgradeClusterInputSchema, input, 'upgrade request');
  const name = req.name;
  requireWorkflowId(operationWorkflowId('upgrade', name), 'name', name);
  setCurrentDetails(`upgrade ${name} to ${req.version}: claiming the cluster`);
  const report = new OperationReporter(name, 'upgrade');
  // A wave admitted its child by the window already; only the wave's own child skips the check.
  const admittedByWave = !!req.wave && workflowInfo().parent?.workflowId === req.wave;
  const ignored = !admittedByWave && patched('upgrade-maintenance-window') ? await awaitMaintenanceWindow(req) : undefined;
  const reasons = [req.wave && `upgrade wave ${req.wave}`, ignored].filter(Boolean).join('; ');
  const claimed = await quick
    .claimClusterOperation({
      name,
      request: {
        id: report.operationId,
        type: 'upgrade',
        ...(req.requestedBy ? { requestedBy: req.requestedBy } : {}),
        ...(reasons ? { reason: reasons } : {}),
      },
    })
    .catch((err: unknown) => {
      throw operationFailure('upgrade', err); // refused: the entity was not changed
    });
  const target = targetOf(claimed);
  // An agent cluster's control plane is its owners' to move (the main worker serves no provider
  // for it): the upgrade runs the checks through the agent and records a version they reached.
  const viaAgent = !!target.agent && patched('agent-upgrade-checks');
  // The claim moved the phase to Upgrading; this is where to return when nothing changed.
  const before: ClusterPhase = phaseBeforeUpgrade(claimed.health);
  const plan = pollPlan(target.provider);
  const timeoutMs = upgradeTimeoutMs(target.provider);
  let stage: UpgradeStage = 'preflight';
  let from = claimed.version ?? '';
  let reached: string | undefined; // the version the control plane reported after its upgrade
  let healthAfter: ClusterHealth | undefined;
  try {
    await report.step(`preflight for ${req.version}: version skew, removed APIs, health${viaAgent ? ' (through the agent)' : ''}`);
    // An agent cluster has no provider on this worker: its version is what its API server says, through the agent.
    const described = viaAgent ? undefined : await cloud.describeCluster(target);
    const health = await quick.checkClusterHealth({ target });
    const current = (viaAgent ? health.version : described?.version) ?? claimed.version;
    from = current ?? '';
    const scan = req.skipApiScan || health.status === 'Unreachable' ? undefined : await quick.scanRemovedApis({ target, targetVersion: req.version });
    const verdict = preflight({
      name,
      target: req.version,
      ...(current ? { current } : {}),
      nodePools: (described?.nodePools ?? []).map((p) => ({ name: p.name, version: p.version ?? 'unknown' })),
      health,
      requireHealthy: req.requireHealthy,
      ...(scan ? { removedApis: scan.cluster } : {}),
    });
    if (!verdict.ok) {
      throw ApplicationFailure.nonRetryable(`cluster ${name}: the upgrade to ${req.version} is refused: ${verdict.refusals.join('; ')}`, PREFLIGHT_REFUSED, { refusals: verdict.refusals });
    }
    if (verdict.noop) {
      await report.finish(true, `already at ${from}: nothing to upgrade`, { version: from, phase: before, health });
      return { name, from, version: from, noop: true, nodePools: [], health: health.status, warnings: verdict.warnings };
    }
    if (viaAgent) {
      throw ApplicationFailure.nonRetryable(agentUpgradeRefusal(name, req.version, from), 'NotSupported');
    }

    if (verdict.upgradeControlPlane) {
      stage = 'control-plane';
      await report.step(`upgrading the control plane ${verdict.from} -> ${verdict.to}`);
      const change = await cloud.upgradeControlPlane({ target, request: { version: req.version, idempotencyKey: `${report.operationId}/control-plane/${req.version}` } });
      await waitForChange(target, change, `upgrading the control plane to ${req.version}`, { plan, timeoutMs });
      stage = 'after';
    } else {
      stage = 'after'; // resumed: the control plane is at the target already
    }
    const moved = await cloud.describeCluster(target);
    reached = moved.version;
    await report.step(`control plane at ${moved.version ?? req.version}`, { ...(moved.version ? { version: moved.version } : {}) });

    const upgraded: string[] = [];
    for (const [i, pool] of verdict.pools.entries()) {
      await report.step(`upgrading node pool ${pool.name} ${pool.version} -> ${req.version} (${i + 1} of ${verdict.pools.length})`);
      const change = await cloud.upgradeNodePool({ target, pool: pool.name, request: { version: req.version, idempotencyKey: `${report.operationId}/pool/${pool.name}/${req.version}` } });
      await waitForChange(target, change, `upgrading node pool ${pool.name} to ${req.version}`, { plan, timeoutMs });
      upgraded.push(pool.name);
    }

    await report.step('post-upgrade health check');
    const after = await quick.checkClusterHealth({ target, expectedVersion: req.version });
    healthAfter = { status: after.status, reasons: after.reasons, ...(after.checkedAt ? { checkedAt: after.checkedAt } : {}) };
    const version = after.version ?? moved.version ?? req.version;
    const post = postUpgradeVerdict(health, after);
    if (!post.ok) throw ApplicationFailure.nonRetryable(`post-upgrade health: ${post.problems.join('; ')}`, 'PostUpgradeUnhealthy');
    const still = post.phase === 'Degraded' ? ` (still Degraded as before: ${after.reasons.join('; ')})` : '';
    await report.finish(true, `upgraded ${from} -> ${version}${upgraded.length ? `, node pools ${upgraded.join(', ')}` : ''}; ${after.status}${still}`, {
      version,
      phase: post.phase,
      health: after,
    });
    return { name, from, version, noop: false, nodePools: upgraded, health: after.status, warnings: verdict.warnings };
  } catch (err) {
    if (isCancellation(err)) throw await report.fail('upgrade', err);
    // A change can fail after the control plane moved: then it is where the provider says.
    const observed = stage === 'control-plane' ? await controlPlaneVersion(target) : undefined;
    const verdict = classifyUpgradeFailure({ name, target: req.version, stage, from, ...(reached ? { reached } : {}), ...(observed ? { observed } : {}), root: rootFailure(err), phaseBefore: before });
    const health = verdict.controlPlaneMoved && healthAfter ? { health: healthAfter } : {};
    await report.finish(false, verdict.report, { ...verdict.patch, ...health });
    throw ApplicationFailure.create({ message: verdict.message, type: verdict.type, nonRetryable: true, cause: err as Error });
  }
}

/**
 * Holds a direct upgrade until the cluster's maintenance window opens, on durable timers,
 * reading the cluster's policy again after each wait (it may have changed). It waits before
 * claiming, so a waiting upgrade holds back no other operation and no health check. Returns
 * what the claim records when the window is ignored; a window that never opens is a refusal.
 */
async function awaitMaintenanceWindow(req: UpgradeClusterOptions): Promise<string | undefined> {
  for (;;) {
    const cluster = req.ignoreMaintenanceWindow ? undefined : await quick.readClusterSummary(req.name);
    const verdict = maintenanceVerdict({ policy: cluster?.maintenance, now: Date.now(), override: req });
    if (verdict.action === 'proceed') {
      setCurrentDetails(`upgrade ${req.name} to ${req.version}: ${verdict.message}; claiming the cluster`);
      return verdict.because === 'ignored' ? verdict.message : undefined;
    }
    if (verdict.action === 'refuse') throw ApplicationFailure.nonRetryable(`cluster ${req.name}: the upgrade to ${req.version} is refused: ${verdict.message}`, PREFLIGHT_REFUSED);
    setCurrentDetails(
      `upgrade ${req.name} to ${req.version}: ${verdict.message} (${verdict.windows}). The cluster is not claimed until then. ` +
        'To upgrade now, cancel this and start again with ignoreMaintenanceWindow: true and a reason',
    );
    await sleep(Math.max(1, verdict.until - Date.now()));
  }
}

/** Polls a provider change on durable timers until it is not InProgress; Failed and the deadline fail the upgrade. */
async function waitForChange(target: ClusterTarget, first: ProviderChange, step: string, opts: { plan: ReturnType<typeof pollPlan>; timeoutMs: number }): Promise<void> {
  // Date.now() is workflow time: deterministic on replay.
  const deadline = Date.now() + opts.timeoutMs;
  let change = first;
  for (let attempt = 0; change.status === 'InProgress'; attempt++) {
    if (Date.now() >= deadline) {
      throw ApplicationFailure.nonRetryable(`cluster ${target.name}: ${step}: still in progress after ${Math.round(opts.timeoutMs / 1000)} s${change.message ? `: ${change.message}` : ''}`, 'WaitTimedOut');
    }
    await sleep(Math.min(nextPollDelay(opts.plan, attempt), Math.max(1, deadline - Date.now())));
    change = await cloud.describeChange({ target, changeId: change.id });
  }
  if (change.status === 'Failed') {
    throw ApplicationFailure.nonRetryable(`cluster ${target.name}: ${step}: the provider reports Failed: ${change.message ?? 'no reason given'}`, 'ProviderFailed');
  }
}

/** After a failed control-plane change: the version the provider reports now, if it answers. */
async function controlPlaneVersion(target: ClusterTarget): Promise<string | undefined> {
  try {
    return (await quick.describeCluster(target)).version;
  } catch {
    return undefined;
  }
}

