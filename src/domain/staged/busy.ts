import { formatDuration } from '../time/durations.js';
import type { TrackedRun } from './operator.js';
import type { PlannedStage } from './plan.js';

/**
 * "Busy is not failure": a cluster whose operation was refused because another one holds it
 * (ClusterBusy: an auto-reconcile, a manual upgrade) has not failed, it is not free yet. It waits
 * (WaitingBusy, taking no slot and spending no failure budget) and is tried again after a backoff
 * that doubles from 30 s to 5 min, until the stage's progress deadline (counted from its first
 * start) or, in a stage without one, for an hour; then it fails, with the reason.
 */

/** The first wait before a busy cluster is tried again; it doubles with each refusal. */
export const BUSY_FIRST_RETRY_MS = 30_000;
/** The longest wait between two tries. */
export const BUSY_MAX_RETRY_MS = 5 * 60_000;
/** How long a busy cluster is waited for in a stage without a progress deadline. */
export const BUSY_DEFAULT_LIMIT_MS = 60 * 60_000;

/** The wait before try `refusals + 1`: 30 s, 1 min, 2 min, 4 min, then 5 min. */
export function busyBackoff(refusals: number): number {
  return Math.min(BUSY_FIRST_RETRY_MS * 2 ** Math.max(0, refusals - 1), BUSY_MAX_RETRY_MS);
}

/**
 * The run of a cluster after a busy refusal at `now`: WaitingBusy until its next try (never past
 * the deadline, so the last try is at the deadline), or Failed once the deadline has passed. A
 * refusal is not counted as an attempt: the operation never ran.
 */
export function runAfterBusy(run: TrackedRun, stage: Pick<PlannedStage, 'progressDeadlineMs'> | undefined, now: number, reason: string): TrackedRun {
  const since = run.busy?.since ?? run.startedAt ?? now;
  const refusals = (run.busy?.refusals ?? 0) + 1;
  const limit = stage?.progressDeadlineMs ?? BUSY_DEFAULT_LIMIT_MS;
  const attempts = Math.max(0, run.attempts - 1);
  if (now >= since + limit) return { status: 'Failed', attempts, startedAt: since, endedAt: now, message: `still busy after ${formatDuration(limit)}: ${reason}` };
  const wakeAt = Math.min(now + busyBackoff(refusals), since + limit);
  return { status: 'WaitingBusy', attempts, wakeAt, busy: { since, refusals }, message: `${reason}; next try at ${new Date(wakeAt).toISOString()}` };
}

/** A cluster waiting because it was busy, for the UI's details. */
export interface BusyCluster {
  name: string;
  message: string;
}

/** The clusters waiting because they were busy, by name, each with why and when it is tried again. */
export function busyClusters(runs: Readonly<Record<string, TrackedRun>>): BusyCluster[] {
  return Object.keys(runs)
    .filter((n) => runs[n]!.status === 'WaitingBusy')
    .sort()
    .map((name) => ({ name, message: runs[name]!.message ?? 'busy' }));
}

/** Lines for the UI's details: the first few busy clusters and why they wait. */
export function busyLines(busy: readonly BusyCluster[], most = 5): string[] {
  if (!busy.length) return [];
  const more = busy.length > most ? [`- and ${busy.length - most} more (see the progress query)`] : [];
  return ['', 'waiting for busy clusters:', ...busy.slice(0, most).map((b) => `- ${b.name}: ${b.message}`), ...more];
}
