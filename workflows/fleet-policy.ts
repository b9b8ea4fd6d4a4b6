import {
  ApplicationFailure,
  ParentClosePolicy,
  ChildWorkflowCancellationType,
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  log,
  patched,
  setCurrentDetails,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import { clusterEntityId } from '../src/domain/cluster/inventory.js';
import { compileFleetPolicy, policyBundleName, type CompiledPolicy } from '../src/domain/policy/compile.js';
import { complianceChanges, countStates, matrixMarkdown, type ClusterEvaluation, type ComplianceChange } from '../src/domain/policy/compliance.js';
import { clustersThatLeft, enforcedClusters, withoutPolicyClusters } from '../src/domain/policy/deselected.js';
import { FleetPolicySchema, type FleetPolicy } from '../src/domain/policy/fleet-policy.js';
import {
  CarriedPolicyStateSchema,
  DeletePolicySchema,
  FleetPolicyWorkflowInputSchema,
  clustersToRepair,
  matrixOf,
  newPolicyState,
  nextRollout,
  parsedSpec,
  policyWorkflowId,
  retiredPolicies,
  rolloutPlanInput,
  statusView,
  withChanges,
  withRolloutEnded,
  withRolloutStarted,
  withoutRollouts,
  type FleetPolicyState,
  type FleetPolicyWorkflowInput,
} from '../src/domain/policy/policy-state.js';
import { selectClusters, type ClusterSummary } from '../src/domain/selection/fleet-selector.js';
import { checkClusterNow } from '../src/temporal/messages/cluster-check.js';
import { applyFleetPolicy, deleteFleetPolicy, evaluateFleetPolicy, getPolicyStatus } from '../src/temporal/messages/policy.js';
import type { fleetRollout } from './fleet-rollout.js';
import type { rollbackBundle } from './rollback-bundle.js';
import { long } from './activity-profiles.js';
import { historyIsLong } from './history-limits.js';
import { recordComplianceChange } from './telemetry.js';
import { parseInput, requireWorkflowId, rootFailure } from './operation-steps.js';

/** Marks the removal of enforced policies from clusters the selector no longer picks. */
export const DESELECTED_CLUSTERS_PATCH = 'policy-deselected-clusters';

/** Marks the evaluation of agent clusters on their agents (evaluateClusterPolicies). */
export const AGENT_POLICY_PATCH = 'policy-through-agents';
/** Marks a failed round serving the evaluate requests it began for (before, it ran again at once, without end). */
export const FAILED_ROUND_PATCH = 'policy-failed-round-serves-requests';

/** Continue as new past this many events (and no rollout running). */
const MAX_HISTORY_EVENTS = 2_000;

/** What a FleetPolicy's workflow returns once deleted. */
export interface FleetPolicyResult {
  deleted: true;
  /** "cluster: bundle" removed, and the removals that failed with why. */
  removed: string[];
  failed: string[];
}

const now = () => new Date().toISOString();

/**
 * One long-running workflow per FleetPolicy (id `policy/<name>`). Each round it reads the fleet,
 * picks the clusters by the policy's selector, starts the next rollout an enforced policy needs
 * (a child fleetRollout of the policy's bundle, autoReconcile on, canary first; one at a time,
 * as each claims its clusters), and evaluates compliance of every policy on every selected
 * cluster (one activity, which only reads and dry-runs). A round runs on apply, on an
 * evaluate request, when a rollout ends, and every `evaluateEvery`. Compliance changes are
 * logged and counted; enforced policies that drifted make the cluster's entity check now, and
 * its auto-reconcile takes the drift back. Delete removes the enforced bundles and ends it.
 */
export async function fleetPolicy(input: FleetPolicyWorkflowInput, carried?: FleetPolicyState): Promise<FleetPolicyResult> {
  const { policy } = parseInput(FleetPolicyWorkflowInputSchema, input, 'fleet policy');
  parseInput(CarriedPolicyStateSchema.nullish(), carried, 'carried state', 'InvalidInput', 'carried');
  requireWorkflowId(policyWorkflowId(policy.name), 'policy.name', policy.name);
  let state: FleetPolicyState = carried ?? newPolicyState(input.policy);
  let compiled: CompiledPolicy[] = compileFleetPolicy(parsedSpec(state));
  let wake = false;
  let running: { policy: string; id: string } | undefined;

  setHandler(getPolicyStatus, () => statusView(state, compiled), { description: 'The fleet x policy matrix, revisions, rollouts and recent compliance changes' });

  setHandler(applyFleetPolicy, (next) => {
    state = { ...state, spec: next, generation: state.generation + 1 };
    compiled = compileFleetPolicy(parsedSpec(state));
    wake = true;
    return { generation: state.generation, revisions: Object.fromEntries(compiled.map((c) => [c.policy, c.bundle.revision])) };
  }, {
    description: 'Replace the FleetPolicy (same name); enforced policies roll out again',
    validator: (next) => {
      const p = parseInput(FleetPolicySchema, next, 'fleet policy', 'InvalidInput', 'policy');
      if (p.name !== state.spec.name) throw ApplicationFailure.nonRetryable(`policy.name: ${p.name} is not ${state.spec.name}, the policy this workflow holds`, 'InvalidInput');
      if (state.deleting) throw ApplicationFailure.nonRetryable(`fleet policy ${p.name} is being deleted`, 'OperatorActionRefused');
    },
  });

  setHandler(evaluateFleetPolicy, async () => {
    const want = ++state.evaluationsRequested;
    await condition(() => state.evaluationsDone >= want || !!state.deleting);
    return statusView(state, compiled);
  }, { description: 'Evaluate compliance now and return the matrix' });

  setHandler(deleteFleetPolicy, (req) => {
    const d = DeletePolicySchema.parse(req);
    state = { ...state, deleting: { by: d.by, at: now(), ...(d.reason ? { reason: d.reason } : {}) } };
    log.info(`fleet policy ${state.spec.name} deleted by ${d.by}${d.reason ? `: ${d.reason}` : ''}`);
    return { accepted: true as const };
  }, {
    description: 'Remove the enforced policies from the clusters and end: {"by": "alice", "reason": "..."}',
    validator: (req) => {
      parseInput(DeletePolicySchema, req, 'delete request', 'InvalidInput', 'request');
      if (state.deleting) throw ApplicationFailure.nonRetryable(`fleet policy ${state.spec.name} is already being deleted`, 'OperatorActionRefused');
    },
  });

  /** A change of compliance: the one place it is logged and counted. */
  function onComplianceChange(c: ComplianceChange): void {
    log.info(`compliance of ${state.spec.name}/${c.policy} on ${c.cluster}: ${c.from} -> ${c.to}${c.reasons.length ? ` (${c.reasons.slice(0, 3).join('; ')})` : ''}`, { ...c });
    recordComplianceChange(state.spec.name, c.policy, c.to);
  }

  function startRollout(selected: string[]): void {
    const next = nextRollout(state, compiled, selected);
    if (!next) return;
    const c = compiled.find((x) => x.policy === next.policy)!;
    const id = `${workflowInfo().workflowId}/rollout/${c.policy}/${state.rolloutCount + 1}`;
    state = withRolloutStarted(state, c, next, id);
    running = { policy: c.policy, id };
    const spec = state.spec;
    void (async () => {
      try {
        const child = await startChild<typeof fleetRollout>('fleetRollout', {
          workflowId: id,
          args: [{ selector: { include: next.clusters }, plan: rolloutPlanInput(spec) as never, bundle: c.bundle, autoReconcile: true, requestedBy: `fleet policy ${spec.name}` }],
          staticSummary: `policy ${spec.name}/${c.policy}@${c.bundle.revision} to ${next.clusters.length} clusters`,
          parentClosePolicy: ParentClosePolicy.ABANDON,
          cancellationType: ChildWorkflowCancellationType.ABANDON,
        });
        const r = await child.result();
        state = withRolloutEnded(state, c.policy, id, r.outcome === 'Succeeded' ? 'Succeeded' : 'Failed', r.message);
      } catch (err) {
        state = withRolloutEnded(state, c.policy, id, 'Failed', rootFailure(err).message);
      } finally {
        running = undefined;
        wake = true;
      }
    })();
  }

  async function round(): Promise<void> {
    const startedFor = state.evaluationsRequested;
    const spec = parsedSpec(state);
    const fleet = await long.listFleet(spec.selector);
    const clusters = selectClusters(spec.selector, fleet).selected.map((c) => c.name).sort();
    // Clusters holding an enforced policy that are not selected now: some may have left it.
    const outside = enforcedClusters(state, compiled).filter((n) => !clusters.includes(n));
    if (outside.length && !running && !state.deleting && patched(DESELECTED_CLUSTERS_PATCH)) await removeFromDeselected(spec, fleet, outside);
    if (!running && !state.deleting) startRollout(clusters);
    const evaluations = await throughAgents(clusters.length ? await long.evaluatePolicyCompliance({ policy: state.spec, clusters }) : []);
    const matrix = matrixOf(state, compiled, clusters, evaluations);
    const at = now();
    const changes = complianceChanges(state.matrix, matrix, at);
    changes.forEach(onComplianceChange);
    state = { ...state, clusters, matrix, changes: withChanges(state, changes), evaluatedAt: at, evaluationsDone: Math.max(state.evaluationsDone, startedFor) };
    // Enforced policies that drifted: their clusters' entities check now and take it back.
    for (const name of clustersToRepair(state, compiled, evaluations)) {
      await getExternalWorkflowHandle(clusterEntityId(name)).signal(checkClusterNow).catch((err: unknown) => log.warn(`cannot ask ${name} to check now: ${rootFailure(err).message}`));
    }
  }

  /**
   * Evaluates again, on its agent, each cluster the main worker could not read because it is
   * reached through an agent (the activity is routed by its target). An agent that does not pick
   * it up (AgentOffline) or fails leaves the cluster unreachable, with why.
   */
  async function throughAgents(evaluations: ClusterEvaluation[]): Promise<ClusterEvaluation[]> {
    if (!evaluations.some((e) => e.throughAgent) || !patched(AGENT_POLICY_PATCH)) return evaluations;
    return Promise.all(
      evaluations.map((e) =>
        e.throughAgent
          ? long.evaluateClusterPolicies({ target: e.throughAgent, policy: state.spec }).catch(
            (err: unknown): ClusterEvaluation => ({ cluster: e.cluster, reachable: false, reason: rootFailure(err).message.slice(0, 500), policies: [], checkedAt: now() }),
          )
          : e,
      ),
    );
  }

  const refresh = () => {
    const counts = countStates(state.matrix);
    const rollout = running ? `; rolling out ${running.policy} (${running.id})` : '';
    setCurrentDetails(
      `**${state.spec.name}** generation ${state.generation}: ${counts.Compliant} compliant, ${counts.NonCompliant} non-compliant, ${counts.Pending} pending, ${counts.Unknown} unknown${rollout}\n\n${matrixMarkdown(state.matrix, compiled.map((c) => c.policy))}`,
    );
  };

  /**
   * Removes each enforced policy from the clusters its selector no longer picks, and forgets the
   * clusters that are gone. The listed fleet was narrowed by the selector, so clusters it lacks
   * are read by name: absent from that too, they are gone. The removal is the child the entity
   * records (requestedBy and reason: its audit trail); a failed one stays in the record and is
   * tried again next round (the cluster may have been busy).
   */
  async function removeFromDeselected(spec: FleetPolicy, fleet: readonly ClusterSummary[], outside: readonly string[]): Promise<void> {
    const listed = new Set(fleet.map((c) => c.name));
    const unlisted = outside.filter((n) => !listed.has(n));
    const reread = unlisted.length ? await long.listFleet({ include: unlisted }) : [];
    const left = clustersThatLeft(state, compiled, spec.selector, [...fleet, ...reread]);
    for (const [p, gone] of Object.entries(left.gone)) {
      log.info(`fleet policy ${state.spec.name}: ${p} forgets ${gone.join(', ')} (decommissioned or no longer registered; nothing to remove)`);
      state = withoutPolicyClusters(state, p, gone);
    }
    const targets = new Map<string, string[]>();
    for (const [p, names] of Object.entries(left.remove)) for (const n of names) targets.set(n, [...(targets.get(n) ?? []), p]);
    if (!targets.size) return;
    const why = 'cluster no longer selected';
    const { removed, failed, done } = await removeFrom(targets, why, `the selector of fleet policy ${state.spec.name} no longer picks the cluster`);
    log.info(`fleet policy ${state.spec.name}: ${why}: removed ${removed.join(', ') || 'nothing'}`, { removed, failed });
    if (failed.length) log.warn(`fleet policy ${state.spec.name}: removal from deselected clusters failed, tried again next round: ${failed.join('; ')}`);
    for (const p of Object.keys(left.remove)) state = withoutPolicyClusters(state, p, done.filter((d) => d.policy === p).map((d) => d.cluster));
  }

  /**
   * Removes enforced policies from every cluster their rollouts went to: a rollbackBundle to
   * nothing per cluster and policy (each claims the cluster, so one cluster's policies go one
   * after another; clusters at once). A policy's record must still be in state.rollouts.
   */
  async function removePolicies(policies: readonly string[], why: string, reason?: string): Promise<{ removed: string[]; failed: string[] }> {
    const targets = new Map<string, string[]>();
    for (const p of policies) {
      for (const cluster of state.rollouts[p]?.clusters ?? []) targets.set(cluster, [...(targets.get(cluster) ?? []), p]);
    }
    const { removed, failed } = await removeFrom(targets, why, reason);
    return { removed, failed };
  }

  /** Removes the policies of each cluster (cluster -> policies): one after another per cluster, clusters at once. */
  async function removeFrom(targets: ReadonlyMap<string, readonly string[]>, why: string, reason?: string): Promise<{ removed: string[]; failed: string[]; done: { cluster: string; policy: string }[] }> {
    const removed: string[] = [];
    const failed: string[] = [];
    const done: { cluster: string; policy: string }[] = [];
    await Promise.all(
      [...targets].map(async ([cluster, names]) => {
        for (const p of names) {
          const bundle = policyBundleName(state.spec.name, p);
          try {
            const child = await startChild<typeof rollbackBundle>('rollbackBundle', {
              workflowId: `${workflowInfo().workflowId}/remove/${p}/${cluster}/${state.rolloutCount}`,
              args: [{ cluster, bundle, revision: state.rollouts[p]!.revision, to: null, requestedBy: `fleet policy ${state.spec.name} (${why})`, ...(reason ? { reason } : {}) }],
              staticSummary: `remove policy ${state.spec.name}/${p} from ${cluster}`,
              parentClosePolicy: ParentClosePolicy.ABANDON,
            });
            await child.result();
            removed.push(`${cluster}: ${bundle}`);
            done.push({ cluster, policy: p });
          } catch (err) {
            failed.push(`${cluster}: ${bundle}: ${rootFailure(err).message}`);
          }
        }
      }),
    );
    return { removed: removed.sort(), failed: failed.sort(), done };
  }

  for (;;) {
    if (state.deleting) break;
    wake = false;
    // Policies no longer enforced (left the file, or now inform) leave the clusters: an informed
    // policy must not stay applied. Failures are logged, not retried (the record is dropped).
    const retired = running ? [] : retiredPolicies(state, compiled);
    if (retired.length) {
      const { removed, failed } = await removePolicies(retired, 'no longer enforced');
      log.info(`fleet policy ${state.spec.name}: ${retired.join(', ')} no longer enforced: removed ${removed.join(', ') || 'nothing'}`);
      if (failed.length) log.warn(`fleet policy ${state.spec.name}: removal failed: ${failed.join('; ')}`);
      state = withoutRollouts(state, retired);
    }
    const requested = state.evaluationsRequested;
    try {
      await round();
    } catch (err) {
      // The fleet or the evaluation could not be read this round; the matrix stays as it was.
      log.warn(`fleet policy ${state.spec.name}: evaluation failed: ${rootFailure(err).message}`);
      // The requests this round began for are answered with the matrix as it was (its evaluatedAt
      // says how old); left open, they would start the next round at once, failing again in a loop.
      if (patched(FAILED_ROUND_PATCH)) state = { ...state, evaluationsDone: Math.max(state.evaluationsDone, requested) };
    }
    refresh();
    if (!running && historyIsLong(MAX_HISTORY_EVENTS) && state.evaluationsRequested <= state.evaluationsDone) {
      await condition(allHandlersFinished);
      return continueAsNew<typeof fleetPolicy>({ policy: state.spec }, state);
    }
    await condition(() => wake || state.evaluationsRequested > state.evaluationsDone || !!state.deleting, parsedSpec(state).evaluateEvery);
  }

  // Deleted: wait for a running rollout, then remove every enforced bundle where it went.
  setCurrentDetails(`**${state.spec.name}** deleting: ${running ? `waiting for rollout ${running.id}` : 'removing enforced policies'}`);
  await condition(() => !running);
  const d = state.deleting!;
  const { removed, failed } = await removePolicies(compiled.filter((x) => x.mode === 'enforce').map((c) => c.policy), `deleted by ${d.by}`, d.reason);
  setCurrentDetails(`**${state.spec.name}** deleted: ${removed.length} removed${failed.length ? `, ${failed.length} failed: ${failed.join('; ')}` : ''}`);
  await condition(allHandlersFinished);
  return { deleted: true, removed, failed };
}
