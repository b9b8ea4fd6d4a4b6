import { checkIntervalMs } from './spec.js';
import { HEALTH_LOG_LIMIT, type ClusterHealth, type ClusterState } from './state.js';

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
