import { ApplicationFailure, continueAsNew, patched, setCurrentDetails, setHandler, workflowInfo } from '@temporalio/workflow';
import { overridesFor } from '../src/domain/bundle/overrides.js';
import { selectClusters, type ClusterSummary, type ExcludedCluster } from '../src/domain/selection/fleet-selector.js';
import type { PlacementDecision } from '../src/domain/placement/decide.js';
import { placedSelection } from '../src/domain/placement/placed-rollout.js';
import { childMetadata, stageOf } from '../src/domain/operation-metadata.js';
import {
  AbortRolloutSchema,
  admitRollout,
  FleetRolloutInputSchema,
  isApplyReach,
  mergeReach,
  rolloutProgress,
  rolloutWindows,
  type FleetRolloutInput,
  type FleetRolloutOptions,
  type RolloutState,
} from '../src/domain/rollout/fleet-rollout.js';
import { planStages, requireGates } from '../src/domain/staged/plan.js';
import { countRuns, newStagedState, refuseAction, type Admission, type FinalOutcome, type RunCounts } from '../src/domain/staged/operator.js';
import { waveDetails } from '../src/domain/upgrade/wave.js';
import type { applyBundleToCluster } from './apply-bundle.js';
import { long } from './activity-profiles.js';
import { parseInput } from './operation-steps.js';
import { CarriedRolloutStateSchema } from '../src/domain/staged/carried-state.js';
import { rollBack } from './rollout-rollback.js';
import { abortRollout, getRolloutProgress } from '../src/temporal/messages/staged.js';
import { childFailureOf, failedChild, type RunOutcome } from './stage-runner.js';
import { clusterChild, openStaged, runStaged } from './staged-operation.js';

/** How a rollout ended, when it did not fail. */
export interface FleetRolloutResult {
  outcome: 'Succeeded' | 'Aborted';
  message: string;
  counts: RunCounts;
  applied: string[];
  rolledBack: string[];
}

/**
 * Rolls a bundle revision out over the fleet by plan: listFleet -> selectClusters -> planStages
 * -> the stage runner, each cluster as a child applyBundleToCluster (apply with prune, rollout
 * status, health) with its own overrides, under the plan's concurrency, soak, failure budget
 * and approval gates. On a breach (or an abort with rollback) it stops starting clusters,
 * waits for the running ones, rolls every cluster this run changed back to the revision it
 * found there (child rollbackBundle, see rollout-rollback.ts) and finishes with a report.
 *
 * History: the bundle is in this workflow's input only; each child reads it from there
 * (`bundleFrom`). The rollout continues as new (with its state) past `maxHistoryEvents` or
 * 2 MB of history, at a moment when no child runs.
 */
export async function fleetRollout(input: FleetRolloutInput, carried?: RolloutState): Promise<FleetRolloutResult> {
  const opts = parseInput(FleetRolloutInputSchema, input, 'fleet rollout');
  parseInput(CarriedRolloutStateSchema.nullish(), carried, 'carried state', 'InvalidInput', 'carried');
  const rolloutId = workflowInfo().workflowId;
  const r = await openStaged({
    carried,
    planning: 'planning: reading the fleet',
    plan: () => planRollout(opts),
    empty: () => emptyRollout(opts.bundle),
    query: getRolloutProgress,
    queryDescription: 'Per-stage and per-cluster status, gates, the audit log and any rollback',
    progress: rolloutProgress,
    // A placed rollout says what its placement chose (the decision itself is in the query).
    details: (p, now) => `${waveDetails(p, now)}${p.placement ? `\n\nplacement: ${p.placement.summary}` : ''}`,
    maxHistoryEvents: opts.maxHistoryEvents,
    changeId: opts.changeId,
    hooks: {
      operatorTimeoutMs: opts.approvalTimeout,
      onBreach: opts.onBreach === 'rollback' ? 'end' : 'wait',
      run: (name) => applyOne(name),
      admit: (name: string, now: number): Admission => (patched('rollout-maintenance-windows') ? admitRollout(r.state, opts, name, now) : { start: true }),
    },
  });
  setHandler(abortRollout, (req) => {
    const a = parseInput(AbortRolloutSchema, req, 'abort request');
    r.act({ action: 'abort', by: a.by, reason: a.rollback ? `${a.reason} (with rollback)` : a.reason });
    if (a.rollback) r.state.rollbackRequested = { by: a.by, reason: a.reason };
  }, {
    description: 'Stop for good; with {"rollback": true} the clusters this rollout changed go back: {"by": "alice", "reason": "...", "rollback": true}',
    validator: (req) => {
      const a = parseInput(AbortRolloutSchema, req, 'abort request');
      const refusal = refuseAction(r.state, { action: 'abort', by: a.by, reason: a.reason });
      if (refusal) throw ApplicationFailure.nonRetryable(`abort refused: ${refusal}`, 'OperatorActionRefused');
    },
  });

  /** A state carried over by a run that predates overridesOf: the cluster is read again. */
  async function readOverrides(name: string) {
    const [summary] = await long.listFleet({ include: [name] });
    return summary ? overridesFor(opts.overrides, summary) : [];
  }

  /** Records what an apply found on the cluster (from its result or its failure), for the rollback. */
  function noteReach(name: string, reach: unknown): void {
    if (isApplyReach(reach)) r.state.reach = { ...r.state.reach, [name]: mergeReach(r.state.reach?.[name], reach) };
  }

  async function applyOne(name: string): Promise<RunOutcome> {
    const { bundle } = opts;
    const chosen = r.state.overridesOf;
    // No await unless an activity is needed: the child must be started in the same turn as
    // before, ahead of any timer this task also sets, or running rollouts fail to replay.
    const overrides = chosen ? (chosen[name] ?? []).map((i) => opts.overrides[i]!) : await readOverrides(name);
    // The child reads the manifests from this workflow's input: a thousand copies of the bundle
    // in this history would force a continue-as-new every few dozen clusters.
    const bundleFrom = { rollout: rolloutId, name: bundle.name, revision: bundle.revision, overrides };
    const workflowId = `${rolloutId}/apply/${name}`;
    const args = { cluster: name, bundleFrom, autoReconcile: opts.autoReconcile, rolloutDeadlineSeconds: Math.round(opts.rolloutDeadline / 1000), ...(opts.requestedBy ? { requestedBy: opts.requestedBy } : {}) };
    try {
      const result = await clusterChild<typeof applyBundleToCluster>('applyBundleToCluster', {
        workflowId,
        args: [args],
        ...childMetadata(`apply bundle ${bundle.name}@${bundle.revision} to ${name}`, { workflowType: 'applyBundleToCluster', input: args, stage: stageOf(r.state.stages, name), parentId: rolloutId, parentNoun: 'rollout' }),
      });
      noteReach(name, result.reach);
      const c = result.counts;
      return { succeeded: true, message: `applied: ${c.created} created, ${c.configured} configured, ${c.unchanged} unchanged, ${c.pruned} pruned` };
    } catch (err) {
      const top = childFailureOf(err);
      noteReach(name, top instanceof ApplicationFailure ? top.details?.[0] : undefined);
      return failedChild(workflowId, err, 'another rollout with this id');
    }
  }

  // A breach undoes the run; a gate nobody approved in time leaves what passed in place.
  const rollsBack = (end: FinalOutcome) => (end.outcome === 'Failed' && end.type !== 'ApprovalTimedOut') || (end.outcome === 'Aborted' && !!r.state.rollbackRequested);
  const end = await runStaged(r, (next) => continueAsNew<typeof fleetRollout>(input, next), async (end) => {
    if (rollsBack(end)) await rollBack(r.state, rolloutId, opts.requestedBy);
  });
  const s = r.state;
  const counts = countRuns(s.runs);
  const rolledBack = Object.entries(s.rollback ?? {}).filter(([, x]) => x.status === 'Succeeded').map(([n]) => n).sort();
  const failedRollbacks = Object.entries(s.rollback ?? {}).filter(([, x]) => x.status === 'Failed').map(([n, x]) => `${n}: ${x.message}`);
  const report = rollsBack(end)
    ? `; rolled back ${rolledBack.length} of ${Object.keys(s.rollback ?? {}).length} changed clusters${failedRollbacks.length ? ` (failed: ${failedRollbacks.join('; ')})` : ''}`
    : '';
  setCurrentDetails(`**${end.outcome}**: ${end.message}${report}`);
  if (end.outcome === 'Failed') {
    throw ApplicationFailure.create({ message: `${end.message}${report}`, type: end.type ?? 'RolloutFailed', nonRetryable: true, details: [{ counts, rolledBack, rollback: s.rollback }] });
  }
  const applied = Object.keys(s.runs).filter((n) => s.runs[n]!.status === 'Succeeded' && !rolledBack.includes(n)).sort();
  return { outcome: end.outcome, message: `${end.message}${report}`, counts, applied, rolledBack };
}

/** The clusters a rollout goes to: by its selector, or by its placement's decision (kept for the progress). */
async function chooseClusters(opts: FleetRolloutOptions): Promise<{ fleet: ClusterSummary[]; selected: ClusterSummary[]; excluded: ExcludedCluster[]; placement?: PlacementDecision }> {
  if (opts.placement) {
    const fleet = await long.listPlacementFleet(opts.placement.selector);
    const { selected, decision } = placedSelection(opts.placement, fleet, Date.now());
    return { fleet, selected, excluded: [], placement: decision };
  }
  const fleet = await long.listFleet(opts.selector!);
  return { fleet, ...selectClusters(opts.selector!, fleet) };
}

/** Reads the fleet, selects (or places) and plans; each cluster's matching overrides are kept by index. */
async function planRollout(opts: FleetRolloutOptions): Promise<RolloutState> {
  const { fleet, selected, excluded, placement } = await chooseClusters(opts);
  const inventory = new Map<string, ClusterSummary>(fleet.map((c) => [c.name, c]));
  const plan = planStages(opts.plan, selected);
  const stages = requireGates(plan.stages, (name) => inventory.get(name)?.environment, opts.gatedEnvironments);
  return {
    ...newStagedState(stages),
    bundle: { name: opts.bundle.name, revision: opts.bundle.revision },
    environments: Object.fromEntries(selected.map((c) => [c.name, c.environment])),
    overridesOf: Object.fromEntries(
      selected.flatMap((c) => {
        const idx = opts.overrides.flatMap((o, i) => (overridesFor([o], c).length ? [i] : []));
        return idx.length ? [[c.name, idx]] : [];
      }),
    ),
    leftOut: { upToDate: [], refused: [], excluded, unassigned: plan.unassigned.map((name) => ({ name, environment: inventory.get(name)?.environment ?? '' })) },
    ...rolloutWindows(opts, selected, new Date().toISOString()),
    ...(placement ? { placement } : {}),
    startedAt: new Date().toISOString(),
    generation: 0,
  };
}

function emptyRollout(bundle: { name: string; revision: string }): RolloutState {
  return {
    ...newStagedState([]),
    bundle: { name: bundle.name, revision: bundle.revision },
    environments: {},
    leftOut: { upToDate: [], refused: [], excluded: [], unassigned: [] },
    startedAt: new Date().toISOString(),
    generation: 0,
  };
}
