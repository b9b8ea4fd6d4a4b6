import { checkIntervalMs } from './spec.js';
import { HEALTH_LOG_LIMIT, type CheckProblem, type ClusterHealth, type ClusterState } from './state.js';

/**
 * When the cluster entity next checks its cluster, in ms from `nowMs`, or undefined when no
 * check applies: only an Active or Degraded cluster with no operation running is checked, so a
 * check never overlaps a mutating operation (and a cluster being created is not "Unreachable").
 */
export function nextCheckDelay(state: ClusterState, nowMs: number): number | undefined {
  if (state.current || (state.phase !== 'Active' && state.phase !== 'Degraded')) return undefined;
  const last = state.health.checkedAt ? Date.parse(state.health.checkedAt) : NaN;
  if (Number.isNaN(last)) return 0;
  return Math.max(0, last + checkIntervalMs(state.spec) - nowMs);
}

/**
 * Records a health verdict: the state keeps it (and the reported version), a change of
 * verdict is logged, and the phase follows it between Active and Degraded. Other phases
 * (Failed, Upgrading...) belong to operations and are left alone.
 */
export function recordHealth(state: ClusterState, health: ClusterHealth & { version?: string }, now: string): ClusterState {
  const { version, ...verdict } = health;
  const changed = verdict.status !== state.health.status;
  const healthLog = changed
    ? [{ at: now, from: state.health.status, to: verdict.status, reasons: verdict.reasons }, ...(state.healthLog ?? [])].slice(0, HEALTH_LOG_LIMIT)
    : state.healthLog;
  const phase =
    state.phase === 'Active' && (verdict.status === 'Degraded' || verdict.status === 'Unreachable')
      ? 'Degraded'
      : state.phase === 'Degraded' && verdict.status === 'Healthy'
        ? 'Active'
        : state.phase;
  return {
    ...state,
    health: { ...verdict, checkedAt: verdict.checkedAt ?? now },
    ...(healthLog ? { healthLog } : {}),
    ...(version ? { version } : {}),
    phase,
    updatedAt: now,
  };
}

/** How often a running operation's workflow is looked at while every look works. */
export const OPERATION_CHECK_MS = 30_000;
/** The longest pause between looks while they keep failing. */
export const OPERATION_CHECK_MAX_MS = 10 * 60_000;

/**
 * When the entity next looks at its running operation's workflow: every 30 s, and after
 * failed looks twice as long per failure in a row, at most 10 minutes, so a worker that may not
 * describe workflows is not asked again and again.
 */
export function operationCheckDelay(state: Pick<ClusterState, 'checkProblem'>): number {
  const failures = state.checkProblem?.check === 'operationStatus' ? state.checkProblem.failures : 0;
  return Math.min(OPERATION_CHECK_MS * 2 ** Math.min(failures, 10), OPERATION_CHECK_MAX_MS);
}

/** Records a failed side check: the first failure's time is kept, the count goes up. */
export function recordCheckFailure(state: ClusterState, check: CheckProblem['check'], message: string, now: string): ClusterState {
  const same = state.checkProblem?.check === check ? state.checkProblem : undefined;
  return { ...state, checkProblem: { check, message, since: same?.since ?? now, failures: (same?.failures ?? 0) + 1 }, updatedAt: now };
}

/** Clears the record of a side check once it works again (the same state when there is none). */
export function clearCheckProblem(state: ClusterState, check: CheckProblem['check']): ClusterState {
  if (state.checkProblem?.check !== check) return state;
  const { checkProblem: _cleared, ...rest } = state;
  return rest;
}
