import {
  allHandlersFinished,
  ApplicationFailure,
  ChildWorkflowCancellationType,
  condition,
  continueAsNew,
  ParentClosePolicy,
  setCurrentDetails,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import { FleetDecommissionInputSchema, planFleetDecommission } from '../src/domain/decommission/fleet-decommission.js';
import {
  decommissionDetails,
  decommissionOutcome,
  decommissionProgress,
  newDecommissionState,
  type FleetDecommissionRequest,
  type FleetDecommissionState,
} from '../src/domain/decommission/progress.js';
import type { FleetDecommissionPlan } from '../src/domain/decommission/fleet-decommission.js';
import type { ExcludedCluster } from '../src/domain/selection/fleet-selector.js';
import { decideRollout } from '../src/domain/staged/engine.js';
import { countRuns, newStagedState, type RunCounts } from '../src/domain/staged/operator.js';
import { long } from './activity-profiles.js';
import type { decommissionCluster } from './decommission-cluster.js';
import { parseInput } from './operation-steps.js';
import { CarriedDecommissionStateSchema } from '../src/domain/staged/carried-state.js';
import { getDecommissionProgress } from '../src/temporal/messages/staged.js';
import { historyIsLong } from './history-limits.js';
import { childFailureMessage, StageRunner, type RunOutcome } from './stage-runner.js';

/** Continue as new past this many events (each cluster costs a few). */
const MAX_HISTORY_EVENTS = 5_000;

/** How a fleet decommission ended, when it did not fail; refused and excluded clusters are always listed. */
export interface FleetDecommissionResult {
  outcome: 'Succeeded' | 'Aborted';
  message: string;
  counts: RunCounts;
  decommissioned: string[];
  /** Failed within the failure budget (maxFailures), with the child's own words. */
  failed: { name: string; message: string }[];
  skipped: { name: string; message: string }[];
  refused: FleetDecommissionPlan['refused'];
  excluded: ExcludedCluster[];
}

/**
 * Decommissions the clusters a selector matches: listFleet -> planFleetDecommission -> one
 * stage run by the StageRunner, each cluster as a child decommissionCluster (id
 * `decommission/<name>`, never forced, so a protected cluster is refused twice: by the plan
 * and by its entity). When a production cluster is selected the stage waits at gate
 * "decommission:before" for an approval (the reasons are in the current details and in
 * getDecommissionProgress); no approval within approvalTimeout fails the workflow with nothing
 * touched. Operators approve, pause, resume, abort, retry and skip through the stage updates.
 *
 * Children are ABANDONed on close and never cancelled: a half-deleted cluster is worse than
 * one whose decommission finishes, and each child reports to its own cluster entity.
 */
export async function fleetDecommission(input: FleetDecommissionRequest, carried?: FleetDecommissionState): Promise<FleetDecommissionResult> {
  const opts = parseInput(FleetDecommissionInputSchema, input, 'fleet decommission request');
  parseInput(CarriedDecommissionStateSchema.nullish(), carried, 'carried state', 'InvalidInput', 'carried');
  const id = workflowInfo().workflowId;
  // Registered before planning, so the query answers (nothing selected yet) from the start.
  let runner: StageRunner | undefined;
  setHandler(getDecommissionProgress, () => {
    const state = (runner?.state ?? carried ?? emptyState(opts.reason)) as FleetDecommissionState;
    const now = Date.now();
    const progress = decommissionProgress(state, decideRollout({ stages: state.stages, runs: state.runs, operator: state.operator, now }), now);
    // Before the plan exists, "no stages" would read as done.
    return runner || carried ? progress : { ...progress, outcome: 'InProgress', summary: `planning: reading the fleet (reason: ${opts.reason})` };
  }, { description: 'The approval gate and why, per-cluster status, refused (protected) and excluded clusters, and the audit log' });

  setCurrentDetails(carried ? `continuing (generation ${carried.generation})` : `planning: reading the fleet (reason: ${opts.reason})`);
  const initial = carried ?? (await plan());
  const r = new StageRunner(initial, {
    operatorTimeoutMs: opts.approvalTimeout,
    run: (name, attempt) => decommissionOne(name, attempt),
    onProgress: (decision, now) => setCurrentDetails(decommissionDetails(decommissionProgress(r.state as FleetDecommissionState, decision, now, false), now)),
    shouldContinueAsNew: () => historyIsLong(MAX_HISTORY_EVENTS),
  });
  runner = r;
  r.installOperatorHandlers();

  async function plan(): Promise<FleetDecommissionState> {
    const inventory = await long.listFleet(opts.selector);
    const p = planFleetDecommission(opts, inventory);
    return newDecommissionState(
      p,
      inventory,
      { maxConcurrency: opts.maxConcurrency, maxFailures: opts.maxFailures, approvalTimeoutMs: opts.approvalTimeout, reason: opts.reason, requestedBy: opts.requestedBy },
      new Date().toISOString(),
    );
  }

  async function decommissionOne(name: string, attempt: number): Promise<RunOutcome> {
    try {
      const child = await startChild<typeof decommissionCluster>('decommissionCluster', {
        workflowId: `decommission/${name}`,
        args: [{ name, reason: opts.reason, ...(opts.requestedBy ? { requestedBy: opts.requestedBy } : {}) }],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        cancellationType: ChildWorkflowCancellationType.ABANDON,
        staticSummary: `decommission ${name} (fleet decommission ${id}${attempt > 1 ? `, attempt ${attempt}` : ''})`,
      });
      await child.result();
      return { succeeded: true, message: 'decommissioned' };
    } catch (err) {
      return childFailure(name, err);
    }
  }

  const end = await r.run();
  await condition(allHandlersFinished);
  const state = r.state as FleetDecommissionState;
  if (end.outcome === 'ContinueAsNew') return continueAsNew<typeof fleetDecommission>(input, { ...state, generation: state.generation + 1 });
  const counts = countRuns(state.runs);
  const report = { counts, ...decommissionOutcome(state), refused: state.refused, excluded: state.excluded };
  if (end.outcome === 'Failed') throw ApplicationFailure.create({ message: end.message, type: end.type ?? 'DecommissionFailed', nonRetryable: true, details: [report] });
  return { outcome: end.outcome, message: end.message, ...report };
}

/** A failed child as the fleet records it: the child's own words. */
function childFailure(name: string, err: unknown): RunOutcome {
  return { succeeded: false, message: childFailureMessage(`decommission/${name}`, err, 'started by someone else') };
}

function emptyState(reason: string): FleetDecommissionState {
  return {
    ...newStagedState([]),
    environments: {},
    refused: [],
    excluded: [],
    approvalRequired: false,
    approvalReasons: [],
    approvalTimeoutMs: 0,
    reason,
    startedAt: new Date().toISOString(),
    generation: 0,
  };
}
