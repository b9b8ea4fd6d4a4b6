import {
  allHandlersFinished,
  ApplicationFailure,
  ChildWorkflowCancellationType,
  condition,
  continueAsNew,
  ParentClosePolicy,
  patched,
  setCurrentDetails,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import { overridesFor } from '../src/domain/bundle/overrides.js';
import { selectClusters, type ClusterSummary } from '../src/domain/selection/fleet-selector.js';
import {
  AbortRolloutSchema,
  admitRollout,
  changedClusters,
  FleetRolloutInputSchema,
  rolloutProgress,
  rolloutWindows,
  type FleetRolloutInput,
  type RolloutState,
} from '../src/domain/rollout/fleet-rollout.js';
import { decideRollout } from '../src/domain/staged/engine.js';
import { planStages } from '../src/domain/staged/plan.js';
import { countRuns, newStagedState, refuseAction, type RunCounts } from '../src/domain/staged/operator.js';
import { waveDetails } from '../src/domain/upgrade/wave.js';
import type { applyBundleToCluster } from './apply-bundle.js';
import { long } from './activity-profiles.js';
import { parseInput } from './operation-steps.js';
import type { rollbackBundle } from './rollback-bundle.js';
import { abortRollout, getRolloutProgress } from '../src/temporal/messages/staged.js';
import { historyIsLong } from './history-limits.js';
import { childFailureMessage, StageRunner, type RunOutcome } from './stage-runner.js';

/** How a rollout ended, when it did not fail. */
export interface FleetRolloutResult {
  outcome: 'Succeeded' | 'Aborted';
  message: string;
  counts: RunCounts;
  applied: string[];
  rolledBack: string[];
}

/** Rollbacks running at once. */
const ROLLBACK_CONCURRENCY = 10;

/**
 * Rolls a bundle revision out over the fleet by plan: listFleet -> selectClusters -> planStages
 * -> the stage runner, each cluster as a child applyBundleToCluster (apply with prune, rollout
 * status, health) with its own overrides, under the plan's concurrency, soak, failure budget
 * and approval gates. On a breach (or an abort with rollback) it stops starting clusters,
 * waits for the running ones, rolls every cluster this run changed back to the revision it
 * had before (child rollbackBundle) and finishes with a report.
 *
 * History: the bundle is in this workflow's input only; each child reads it from there
 * (`bundleFrom`). The rollout continues as new (with its state) past `maxHistoryEvents` or
 * 2 MB of history, at a moment when no child runs.
 */
export async function fleetRollout(input: FleetRolloutInput, carried?: RolloutState): Promise<FleetRolloutResult> {
  const opts = parseInput(FleetRolloutInputSchema, input, 'fleet rollout');
  const rolloutId = workflowInfo().workflowId;
  let state: RolloutState | undefined = carried;
  let runner: StageRunner | undefined;
  const current = () => (runner?.state ?? state) as RolloutState | undefined;
  setHandler(getRolloutProgress, () => {
    const s = current() ?? emptyRollout(opts.bundle);
    const now = Date.now();
    const progress = rolloutProgress(s, decideRollout({ stages: s.stages, runs: s.runs, operator: s.operator, now }), now);
    // Before the plan exists, "no stages" would read as done.
    return current() ? progress : { ...progress, outcome: 'InProgress', summary: 'planning: reading the fleet' };
  }, { description: 'Per-stage and per-cluster status, gates, the audit log and any rollback' });

  setCurrentDetails(carried ? `continuing (generation ${carried.generation})` : 'planning: reading the fleet');
  const inventory = new Map<string, ClusterSummary>();
  if (!carried) {
    const fleet = await long.listFleet(opts.selector);
    for (const c of fleet) inventory.set(c.name, c);
    const { selected, excluded } = selectClusters(opts.selector, fleet);
    const plan = planStages(opts.plan, selected);
    state = {
      ...newStagedState(plan.stages),
      bundle: { name: opts.bundle.name, revision: opts.bundle.revision },
      environments: Object.fromEntries(selected.map((c) => [c.name, c.environment])),
      overridesOf: Object.fromEntries(
        selected.flatMap((c) => {
          const idx = opts.overrides.flatMap((o, i) => (overridesFor([o], c).length ? [i] : []));
          return idx.length ? [[c.name, idx]] : [];
        }),
      ),
      leftOut: { upToDate: [], refused: [], excluded, unassigned: plan.unassigned.map((name) => ({ name, environment: inventory.get(name)?.environment ?? '' })) },
      startedAt: new Date().toISOString(),
      generation: 0,
      ...rolloutWindows(opts, selected, new Date().toISOString()),
    };
  }
  const r = new StageRunner(state!, {
    operatorTimeoutMs: opts.approvalTimeout,
    onBreach: opts.onBreach === 'rollback' ? 'end' : 'wait',
    admit: (name, now) => (patched('rollout-maintenance-windows') ? admitRollout(state!, opts, name, now) : { start: true }),
    run: (name) => applyOne(name),
    onProgress: (d, now) => setCurrentDetails(waveDetails(rolloutProgress(r.state as RolloutState, d, now, false), now)),
    shouldContinueAsNew: () => historyIsLong(opts.maxHistoryEvents),
  });
  runner = r;
  r.installOperatorHandlers();
  setHandler(abortRollout, (req) => {
    const a = parseInput(AbortRolloutSchema, req, 'abort request');
    r.act({ action: 'abort', by: a.by, reason: a.rollback ? `${a.reason} (with rollback)` : a.reason });
    if (a.rollback) (r.state as RolloutState).rollbackRequested = { by: a.by, reason: a.reason };
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

  async function applyOne(name: string): Promise<RunOutcome> {
    const { bundle } = opts;
    const chosen = (r.state as RolloutState).overridesOf;
    // No await unless an activity is needed: the child must be started in the same turn as
    // before, ahead of any timer this task also sets, or running rollouts fail to replay.
    const overrides = chosen ? (chosen[name] ?? []).map((i) => opts.overrides[i]!) : await readOverrides(name);
    // The child reads the manifests from this workflow's input: a thousand copies of the bundle
    // in this history would force a continue-as-new every few dozen clusters.
    const bundleFrom = { rollout: rolloutId, name: bundle.name, revision: bundle.revision, overrides };
    try {
      const child = await startChild<typeof applyBundleToCluster>('applyBundleToCluster', {
        workflowId: `${rolloutId}/apply/${name}`,
        args: [{ cluster: name, bundleFrom, autoReconcile: opts.autoReconcile, rolloutDeadlineSeconds: Math.round(opts.rolloutDeadline / 1000), ...(opts.requestedBy ? { requestedBy: opts.requestedBy } : {}) }],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        cancellationType: ChildWorkflowCancellationType.ABANDON,
        staticSummary: `apply ${bundle.name}@${bundle.revision} to ${name} (rollout ${rolloutId})`,
      });
      const result = await child.result();
      const c = result.counts;
      return { succeeded: true, message: `applied: ${c.created} created, ${c.configured} configured, ${c.unchanged} unchanged, ${c.pruned} pruned` };
    } catch (err) {
      return { succeeded: false, message: childFailureMessage(`${rolloutId}/apply/${name}`, err, 'another rollout with this id') };
    }
  }

  const end = await r.run();
  const s = r.state as RolloutState;
  if (end.outcome === 'ContinueAsNew') {
    await condition(allHandlersFinished);
    return continueAsNew<typeof fleetRollout>(input, { ...s, generation: s.generation + 1 });
  }
  // A breach undoes the run; a gate nobody approved in time leaves what passed in place.
  const rollingBack = (end.outcome === 'Failed' && end.type !== 'ApprovalTimedOut') || (end.outcome === 'Aborted' && !!s.rollbackRequested);
  if (rollingBack) await rollBack(s, rolloutId, opts.requestedBy);
  await condition(allHandlersFinished);
  const counts = countRuns(s.runs);
  const rolledBack = Object.entries(s.rollback ?? {}).filter(([, x]) => x.status === 'Succeeded').map(([n]) => n).sort();
  const failedRollbacks = Object.entries(s.rollback ?? {}).filter(([, x]) => x.status === 'Failed').map(([n, x]) => `${n}: ${x.message}`);
  const report = rollingBack
    ? `; rolled back ${rolledBack.length} of ${Object.keys(s.rollback ?? {}).length} changed clusters${failedRollbacks.length ? ` (failed: ${failedRollbacks.join('; ')})` : ''}`
    : '';
  setCurrentDetails(`**${end.outcome}**: ${end.message}${report}`);
  if (end.outcome === 'Failed') {
    throw ApplicationFailure.create({ message: `${end.message}${report}`, type: end.type ?? 'RolloutFailed', nonRetryable: true, details: [{ counts, rolledBack, rollback: s.rollback }] });
  }
  const applied = Object.keys(s.runs).filter((n) => s.runs[n]!.status === 'Succeeded' && !rolledBack.includes(n)).sort();
  return { outcome: end.outcome, message: `${end.message}${report}`, counts, applied, rolledBack };
}

/** Rolls every cluster this run changed back, a few at a time, recording each outcome in the state. */
async function rollBack(s: RolloutState, rolloutId: string, requestedBy: string | undefined): Promise<void> {
  const names = changedClusters(s);
  s.rollback = Object.fromEntries(names.map((n) => [n, { status: 'Running' as const }]));
  setCurrentDetails(`rolling back ${names.length} clusters to their previous revision of ${s.bundle.name}`);
  for (let i = 0; i < names.length; i += ROLLBACK_CONCURRENCY) {
    await Promise.all(
      names.slice(i, i + ROLLBACK_CONCURRENCY).map(async (name) => {
        try {
          const child = await startChild<typeof rollbackBundle>('rollbackBundle', {
            workflowId: `${rolloutId}/rollback/${name}`,
            args: [{ cluster: name, bundle: s.bundle.name, revision: s.bundle.revision, reason: `rollout ${rolloutId} rolled back`, ...(requestedBy ? { requestedBy } : {}) }],
            parentClosePolicy: ParentClosePolicy.ABANDON,
            staticSummary: `roll back ${s.bundle.name}@${s.bundle.revision} on ${name} (rollout ${rolloutId})`,
          });
          const done = await child.result();
          s.rollback![name] = { status: 'Succeeded', ...(done.to ? { to: done.to } : {}), message: done.to ? `back to ${done.to}` : 'bundle removed' };
        } catch (err) {
          s.rollback![name] = { status: 'Failed', message: childFailureMessage(`${rolloutId}/rollback/${name}`, err, 'an earlier rollback') };
        }
      }),
    );
  }
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
