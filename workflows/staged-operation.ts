import {
  allHandlersFinished,
  ChildWorkflowCancellationType,
  condition,
  getExternalWorkflowHandle,
  ParentClosePolicy,
  patched,
  setCurrentDetails,
  setHandler,
  startChild,
  workflowInfo,
  type QueryDefinition,
  type WithWorkflowArgs,
  type Workflow,
  type WorkflowResultType,
} from '@temporalio/workflow';
import { gateToTell, stagedEvents } from '../src/domain/change/events.js';
import { decideRollout, type Decision } from '../src/domain/staged/engine.js';
import { changeEvent, operationGate } from '../src/temporal/messages/change.js';
import { getProgressClusters } from '../src/temporal/messages/staged.js';
import { packState, unpackState } from '../src/domain/staged/packed-state.js';
import { CLUSTER_PAGE_SIZE, clusterPage, PROGRESS_CLUSTER_LIMIT, type ClusterPages } from '../src/domain/staged/progress-pages.js';
import type { FinalOutcome, StagedState } from '../src/domain/staged/operator.js';
import { historyIsLong } from './history-limits.js';
import { StageRunner, type StageRunnerHooks } from './stage-runner.js';
import { recordStagedProgress } from './telemetry.js';

/**
 * The skeleton every staged fleet operation (fleetRollout, upgradeWave, fleetDecommission)
 * shares: its progress query, planning (or the state a previous run carried), the StageRunner
 * with the operator's updates, the UI's current details, and one continue-as-new path. Each
 * workflow says what is its own: how it plans, how one cluster runs, how progress reads.
 */

/** Large carried states are packed (src/domain/staged/packed-state.ts); runs before it carried them as they were. */
const PACKED_STATE_PATCH = 'packed-carried-state';

/** What a staged operation carries across continue-as-new. */
export type CarriedState = StagedState & { generation: number };

/** A staged operation as its workflow describes it. */
export interface StagedOperation<S extends CarriedState, P extends { outcome: string; summary: string }> {
  /** The state the previous run carried over; without it the operation plans. */
  carried: S | undefined;
  /** What the query and the UI say while the fleet is read. */
  planning: string;
  /** Reads the fleet and plans: once, in the first run. */
  plan(): Promise<S>;
  /** The state the query reads before the plan exists. */
  empty(): S;
  query: QueryDefinition<P>;
  queryDescription: string;
  /** The progress at `now` (`perCluster: false` for the UI's details, which need only counts). */
  progress(s: S, d: Decision, now: number, perCluster: boolean): P;
  /** The UI's current details (markdown) from a progress. */
  details(p: P, now: number): string;
  /** Continue as new past this many history events (see historyIsLong). */
  maxHistoryEvents: number;
  /** The change this operation runs for (ChangeLinkFields.changeId): told when a gate waits and a stage ends. */
  changeId?: string | undefined;
  /** What runs one cluster, admits it, and handles a breach. */
  hooks: Omit<StageRunnerHooks, 'onProgress' | 'shouldContinueAsNew'>;
}

/** Registers the progress query, plans unless continuing, and returns the runner with the operator's updates installed. */
export async function openStaged<S extends CarriedState, P extends { outcome: string; summary: string }>(op: StagedOperation<S, P>): Promise<StageRunner<S>> {
  let runner: StageRunner<S> | undefined;
  // A large state comes packed (see packed-state.ts); queries never change commands, so reading it is free.
  const carried: S | undefined = op.carried && unpackState(op.carried);
  const progressAt = (perCluster: boolean) => {
    const s = runner?.state ?? carried ?? op.empty();
    const now = Date.now();
    return op.progress(s, decideRollout({ stages: s.stages, runs: s.runs, operator: s.operator, now }), now, perCluster);
  };
  setHandler(op.query, () => {
    const s = runner?.state ?? carried ?? op.empty();
    const total = new Set(s.stages.flatMap((st) => st.clusters)).size;
    // Past the limit the per-cluster list is read by page (getProgressClusters): the answer stays small at any fleet size.
    const listed = total <= PROGRESS_CLUSTER_LIMIT;
    const progress = { ...progressAt(listed), ...(listed ? {} : { clusterPages: { total, pageSize: CLUSTER_PAGE_SIZE } satisfies ClusterPages }) };
    // Before the plan exists, "no stages" would read as done.
    return runner || carried ? progress : { ...progress, outcome: 'InProgress', summary: op.planning };
  }, { description: op.queryDescription });
  setHandler(getProgressClusters, (req) => clusterPage((progressAt(true) as { clusters?: unknown[] }).clusters ?? [], req ?? {}), {
    description: 'A page of the per-cluster progress: {"cursor": "<next of the page before>", "limit": 500}',
  });

  setCurrentDetails(carried ? `continuing (generation ${carried.generation})` : op.planning);
  const initial = carried ?? (await op.plan());
  const reports: Promise<unknown>[] = [];
  const report = op.changeId ? reporter(op.changeId, !!carried, reports) : undefined;
  const r: StageRunner<S> = new StageRunner(initial, {
    ...op.hooks,
    onProgress: (d, now) => {
      setCurrentDetails(op.details(op.progress(r.state, d, now, false), now));
      report?.(d, now);
      recordStagedProgress(workflowInfo().workflowType, workflowInfo().workflowId, d, !!r.state.final);
    },
    shouldContinueAsNew: () => historyIsLong(op.maxHistoryEvents),
  });
  r.reports = reports;
  runner = r;
  r.installOperatorHandlers();
  return r;
}

/**
 * Runs that predate it signalled a decision's events all at once, and two signals sent in one
 * workflow task may arrive in either order (a stage's end after the next gate's wait). Since
 * then each signal is sent once the one before it arrived, and the change is also told which
 * gate the operation waits at (operationGate).
 */
const ORDERED_REPORTS_PATCH = 'change-reports-in-order';

/**
 * Tells the change workflow `changeId` each gate that starts waiting and each stage that ends
 * (see stagedEvents), and the gate it waits at now (see gateToTell), one signal after the
 * other, in the order they happened. A failed signal (the change was terminated) never fails
 * the operation. A run that continued as new stays quiet on its first look: the previous run
 * told those.
 */
function reporter(changeId: string, continued: boolean, pending: Promise<unknown>[]): (d: Decision, now: number) => void {
  const seen = new Set<string>();
  let quiet = continued;
  let told: string | undefined;
  let chain: Promise<unknown> = Promise.resolve();
  const change = getExternalWorkflowHandle(changeId);
  return (d, now) => {
    const at = new Date(now).toISOString();
    const events = stagedEvents(d, seen, at, quiet);
    if (!patched(ORDERED_REPORTS_PATCH)) {
      for (const e of events) pending.push(change.signal(changeEvent, e).catch(() => undefined));
      quiet = false;
      return;
    }
    const send = (signal: () => Promise<void>) => {
      chain = chain.then(signal).catch(() => undefined);
      pending.push(chain);
    };
    for (const e of events) send(() => change.signal(changeEvent, e));
    const gate = gateToTell(d, told);
    if (gate) {
      told = gate.gate;
      if (!quiet) send(() => change.signal(operationGate, { ...(gate.gate ? { gate: gate.gate } : {}), at }));
    }
    quiet = false;
  };
}

/**
 * Runs the operation to its end (at once when it ended before it ran: nothing to do), then
 * `settle` (e.g. a rollback), then lets the update handlers finish. On a long history it instead
 * continues as new, carrying the state to the next generation through `continueWith`, once no
 * cluster runs and no handler is running.
 */
export async function runStaged<S extends CarriedState>(
  r: StageRunner<S>,
  continueWith: (next: S) => Promise<never>,
  settle?: (end: FinalOutcome) => Promise<void>,
): Promise<FinalOutcome> {
  const end = r.state.final ?? (await r.run());
  if (end.outcome === 'ContinueAsNew') {
    await condition(allHandlersFinished);
    const next = { ...r.state, generation: r.state.generation + 1 };
    // Runs that predate packing carried every state as it was, and replay that way.
    return continueWith(patched(PACKED_STATE_PATCH) ? packState(next) : next);
  }
  await settle?.(end);
  await Promise.all(r.reports);
  await condition(allHandlersFinished);
  return end;
}

/**
 * Starts one cluster's child and waits for its result. The child is abandoned, never cancelled,
 * when this run closes: a half-done cluster operation is worse than one that finishes, and each
 * child reports to its own cluster entity. Called without an await before it, the child starts
 * in the same workflow turn as its caller (running executions replay only that way).
 */
export async function clusterChild<T extends Workflow>(workflowType: string, options: WithWorkflowArgs<T, { workflowId: string; staticSummary: string }>): Promise<WorkflowResultType<T>> {
  const child = await startChild<T>(workflowType, { ...options, parentClosePolicy: ParentClosePolicy.ABANDON, cancellationType: ChildWorkflowCancellationType.ABANDON });
  return child.result();
}
