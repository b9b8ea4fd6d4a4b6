import { ApplicationFailure, continueAsNew, workflowInfo } from '@temporalio/workflow';
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
import { countRuns, newStagedState, type RunCounts } from '../src/domain/staged/operator.js';
import { long } from './activity-profiles.js';
import type { decommissionCluster } from './decommission-cluster.js';
import { parseInput } from './operation-steps.js';
import { CarriedDecommissionStateSchema } from '../src/domain/staged/carried-state.js';
import { getDecommissionProgress } from '../src/temporal/messages/staged.js';
import { failedChild, type RunOutcome } from './stage-runner.js';
import { clusterChild, openStaged, runStaged } from './staged-operation.js';
import { childMetadata, stageOf } from '../src/domain/operation-metadata.js';

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
  const r = await openStaged({
    carried,
    planning: `planning: reading the fleet (reason: ${opts.reason})`,
    plan,
    empty: () => emptyState(opts.reason),
    query: getDecommissionProgress,
    queryDescription: 'The approval gate and why, per-cluster status, refused (protected) and excluded clusters, and the audit log',
    progress: decommissionProgress,
    details: decommissionDetails,
    maxHistoryEvents: MAX_HISTORY_EVENTS,
    changeId: opts.changeId,
    hooks: { operatorTimeoutMs: opts.approvalTimeout, run: (name, attempt) => decommissionOne(name, attempt) },
  });

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
    const workflowId = `decommission/${name}`;
    try {
      const args = { name, reason: opts.reason, ...(opts.requestedBy ? { requestedBy: opts.requestedBy } : {}) };
      await clusterChild<typeof decommissionCluster>('decommissionCluster', {
        workflowId,
        args: [args],
        ...childMetadata(`decommission ${name}`, { workflowType: 'decommissionCluster', input: args, stage: stageOf(r.state.stages, name), attempt, parentId: workflowInfo().workflowId, parentNoun: 'fleet decommission' }),
      });
      return { succeeded: true, message: 'decommissioned' };
    } catch (err) {
      return failedChild(workflowId, err, 'started by someone else');
    }
  }

  const end = await runStaged(r, (next) => continueAsNew<typeof fleetDecommission>(input, next));
  const state = r.state;
  const counts = countRuns(state.runs);
  const report = { counts, ...decommissionOutcome(state), refused: state.refused, excluded: state.excluded };
  if (end.outcome === 'Failed') throw ApplicationFailure.create({ message: end.message, type: end.type ?? 'DecommissionFailed', nonRetryable: true, details: [report] });
  return { outcome: end.outcome, message: end.message, ...report };
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
