import { z } from 'zod';
import { ClusterNameSchema } from '../cluster/spec.js';
import type { FailureType } from '../failure-types.js';
import { gateId, RUN_STATUSES, type ClusterRun, type RunStatus } from './engine.js';
import type { PlannedStage } from './plan.js';

/**
 * The state of a staged fleet operation (upgradeWave, fleetRollout, fleetDecommission) and the
 * operator's actions on it, as pure functions: which action is refused and why, and what an
 * accepted one changes. Workflows wire these to updates (the refusal is the validator) and
 * record every accepted action, with who and why, in the audit log.
 */

/** How long a cluster has been refused as busy: since its first start, and how many times (see busy.ts). */
export interface BusyRecord {
  since: number;
  refusals: number;
}

/** One cluster's run: the engine's view plus what happened to it. */
export interface TrackedRun extends ClusterRun {
  /** How many times it was started (a retry starts it again). */
  attempts: number;
  /** The outcome, or why it waits, in words. */
  message?: string;
  /** A failure that cannot be undone (e.g. an upgraded control plane): halts the operation whatever the budget. */
  halts?: boolean;
  /** Refused as busy before (WaitingBusy, and Running on its next try): since when, how often. */
  busy?: BusyRecord;
}

/** Whether a cluster the engine picked may start now (e.g. by its maintenance window). */
export type Admission =
  | { start: true }
  | { start: false; status: 'WaitingWindow'; wakeAt: number; message: string }
  | { start: false; status: 'Skipped'; message: string };

/** Operator actions, as recorded in the audit log. */
export const OPERATOR_ACTIONS = ['approve', 'pause', 'resume', 'abort', 'retryFailed', 'skipCluster'] as const;
export type OperatorActionName = (typeof OPERATOR_ACTIONS)[number];

/** One accepted operator action. */
export interface AuditEntry {
  at: string;
  /** An operator action, or an input that set a rule aside (a rollout ignoring maintenance windows). */
  action: OperatorActionName | 'ignoreMaintenanceWindow';
  by: string;
  reason?: string;
  /** What it acted on: a gate, cluster names. */
  detail?: string;
}

/** How a staged operation ended. */
export interface FinalOutcome {
  outcome: 'Succeeded' | 'Failed' | 'Aborted';
  /** For Failed: FailureBudgetExceeded, Halted or ApprovalTimedOut. */
  type?: FailureType;
  message: string;
  at: string;
}

/** Everything a staged operation carries across continue-as-new. */
export interface StagedState {
  stages: PlannedStage[];
  runs: Record<string, TrackedRun>;
  operator: { paused: boolean; aborted: boolean; approvals: string[] };
  audit: AuditEntry[];
  /** What the operation has been waiting on the operator for (a gate, a halt) and since when (epoch ms). */
  waiting?: { on: string; since: number };
  final?: FinalOutcome;
}

/** A fresh state: every cluster Pending, nothing approved. */
export function newStagedState(stages: PlannedStage[]): StagedState {
  const runs: Record<string, TrackedRun> = {};
  for (const s of stages) for (const name of s.clusters) runs[name] = { status: 'Pending', attempts: 0 };
  return { stages, runs, operator: { paused: false, aborted: false, approvals: [] }, audit: [] };
}

// ---------------------------------------------------------------------------------------------
// Messages.

const By = z.string().trim().min(1, 'must say who is acting').max(200, 'must be at most 200 characters');
const Why = z.string().trim().max(500, 'must be at most 500 characters');
const Required = Why.min(1, 'must say why');

/** approve: a gate id such as "prod:before" (see gateId). */
export const ApproveSchema = z.object({ gate: z.string().min(1, 'must name a gate such as "prod:before"'), by: By, reason: Why.optional() }).strict();
/** pause and resume. */
export const PauseSchema = z.object({ by: By, reason: Why.optional() }).strict();
/** abort: stops starting clusters; running ones finish. */
export const AbortSchema = z.object({ by: By, reason: Required }).strict();
/** retryFailed: the named Failed clusters, or every Failed one. */
export const RetrySchema = z.object({ by: By, reason: Why.optional(), clusters: z.array(ClusterNameSchema).optional() }).strict();
/** skipCluster: a cluster that has not started, waits for its window, or failed. */
export const SkipSchema = z.object({ by: By, cluster: ClusterNameSchema, reason: Required }).strict();

export type ApproveInput = z.input<typeof ApproveSchema>;
export type PauseInput = z.input<typeof PauseSchema>;
export type AbortInput = z.input<typeof AbortSchema>;
export type RetryInput = z.input<typeof RetrySchema>;
export type SkipInput = z.input<typeof SkipSchema>;

/** An operator action, parsed. */
export type OperatorAction =
  | ({ action: 'approve' } & z.output<typeof ApproveSchema>)
  | ({ action: 'pause' | 'resume' } & z.output<typeof PauseSchema>)
  | ({ action: 'abort' } & z.output<typeof AbortSchema>)
  | ({ action: 'retryFailed' } & z.output<typeof RetrySchema>)
  | ({ action: 'skipCluster' } & z.output<typeof SkipSchema>);

/** The approval gates a plan has, in stage order. */
export function gatesOf(stages: readonly PlannedStage[]): string[] {
  return stages.filter((s) => s.approval !== 'none' && s.clusters.length > 0).map((s) => gateId(s.name, s.approval as 'before' | 'after'));
}

const SKIPPABLE: readonly RunStatus[] = ['Pending', 'WaitingWindow', 'WaitingBusy', 'Failed'];

/** Why the action may not be taken now, or undefined. `finished`: the operation has ended. */
export function refuseAction(s: StagedState, a: OperatorAction, finished = false): string | undefined {
  if (finished || s.final) return `the operation has finished (${s.final?.outcome ?? 'ending'}): nothing to ${a.action}`;
  if (s.operator.aborted && a.action !== 'abort') return 'the operation was aborted: it only waits for its running clusters';
  switch (a.action) {
    case 'approve': {
      const gates = gatesOf(s.stages);
      if (!gates.includes(a.gate)) return gates.length ? `no gate ${a.gate}: the gates are ${gates.join(', ')}` : `no gate ${a.gate}: this plan has no approval gates`;
      if (s.operator.approvals.includes(a.gate)) return `gate ${a.gate} is already approved`;
      return undefined;
    }
    case 'pause':
      return s.operator.paused ? 'already paused' : undefined;
    case 'resume':
      return s.operator.paused ? undefined : 'not paused';
    case 'abort':
      return s.operator.aborted ? 'already aborted' : undefined;
    case 'retryFailed': {
      const failed = Object.keys(s.runs).filter((n) => s.runs[n]!.status === 'Failed');
      if (!a.clusters?.length) return failed.length ? undefined : 'no cluster has failed';
      const wrong = a.clusters.map((n) => (s.runs[n] ? (s.runs[n]!.status === 'Failed' ? undefined : `${n} is ${s.runs[n]!.status}`) : `${n} is not in this operation`));
      const problems = wrong.filter(Boolean);
      return problems.length ? `only Failed clusters can be retried: ${problems.join(', ')}` : undefined;
    }
    case 'skipCluster': {
      const run = s.runs[a.cluster];
      if (!run) return `${a.cluster} is not in this operation`;
      if (!SKIPPABLE.includes(run.status)) {
        return run.status === 'Running'
          ? `${a.cluster} is Running: a running cluster is not interrupted, wait for it to finish`
          : `${a.cluster} is already ${run.status}`;
      }
      return undefined;
    }
  }
}

/** At most this many audit entries are kept (newest last); older ones are counted in the first. */
export const AUDIT_LIMIT = 500;

/** Applies an accepted action; returns a new state. Any action ends a wait on the operator. */
export function applyAction<S extends StagedState>(s: S, a: OperatorAction, at: string): S {
  const operator = { ...s.operator, approvals: [...s.operator.approvals] };
  const runs = { ...s.runs };
  let detail: string | undefined;
  switch (a.action) {
    case 'approve':
      operator.approvals.push(a.gate);
      detail = a.gate;
      break;
    case 'pause':
      operator.paused = true;
      break;
    case 'resume':
      operator.paused = false;
      break;
    case 'abort':
      operator.aborted = true;
      break;
    case 'retryFailed': {
      const names = a.clusters?.length ? a.clusters : Object.keys(runs).filter((n) => runs[n]!.status === 'Failed').sort();
      for (const n of names) runs[n] = { status: 'Pending', attempts: runs[n]!.attempts, message: `retry requested by ${a.by}` };
      detail = names.join(', ');
      break;
    }
    case 'skipCluster':
      runs[a.cluster] = { status: 'Skipped', attempts: runs[a.cluster]!.attempts, message: `skipped by ${a.by}: ${a.reason}` };
      detail = a.cluster;
      break;
  }
  const entry: AuditEntry = { at, action: a.action, by: a.by, ...(a.reason ? { reason: a.reason } : {}), ...(detail ? { detail } : {}) };
  const next = { ...s, operator, runs, audit: [...s.audit, entry].slice(-AUDIT_LIMIT) };
  delete next.waiting;
  return next;
}

/** The first cluster (by name) whose failure halts the operation, if any. */
export function haltOf(s: Pick<StagedState, 'runs'>): { cluster: string; message: string } | undefined {
  const name = Object.keys(s.runs)
    .filter((n) => s.runs[n]!.status === 'Failed' && s.runs[n]!.halts)
    .sort()[0];
  return name ? { cluster: name, message: s.runs[name]!.message ?? 'failed' } : undefined;
}

/** Clusters per status. */
export type RunCounts = Record<RunStatus, number> & { total: number };

/** Counts the runs by status. */
export function countRuns(runs: Readonly<Record<string, TrackedRun>>): RunCounts {
  const counts = Object.fromEntries(RUN_STATUSES.map((s) => [s, 0])) as RunCounts;
  counts.total = 0;
  for (const run of Object.values(runs)) {
    counts[run.status]++;
    counts.total++;
  }
  return counts;
}
