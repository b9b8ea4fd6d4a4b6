import { formatDuration } from '../time/durations.js';
import type { PlannedStage } from './plan.js';

/**
 * The rollout decision engine, after Open Cluster Management's rollout.go: given the planned
 * stages, every cluster's status, the operator's state and the clock, it says which clusters to
 * start now, whether a failure budget is breached, which gate is next and when to look again.
 * It writes nothing; the workflow (fleetRollout, upgradeWave) acts on its answer and asks again
 * whenever something changes or `wakeAt` passes.
 *
 * Rules, in order: an aborted rollout starts nothing. Stages run one after another. A stage
 * whose failures (failed clusters plus running ones past their progress deadline) exceed its
 * budget halts the rollout. A stage with approval "before" starts nothing until its gate is
 * approved; one with "after" must be approved once all its clusters are done; then the soak
 * runs (measured from the last cluster's end; none after the final stage) before the next
 * stage begins. Empty stages pass at once, without gates. While paused nothing new starts.
 * Inside a stage clusters start in plan order, at most maxConcurrency running at once; a
 * running cluster past its deadline stops taking a slot (it counts as failed instead), and a
 * cluster waiting for its maintenance window, or for a busy cluster to be free, takes no slot
 * and is started again (to re-check) once its wake time has passed.
 */

/** Where one cluster stands in a rollout. */
export const RUN_STATUSES = ['Pending', 'Running', 'Succeeded', 'Failed', 'Skipped', 'WaitingWindow', 'WaitingBusy'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** One cluster's part in the rollout, as the workflow records it (epoch ms). */
export interface ClusterRun {
  status: RunStatus;
  startedAt?: number;
  endedAt?: number;
  /** WaitingWindow: when the cluster's maintenance window opens; WaitingBusy: when to try it again. */
  wakeAt?: number;
}

/** What the operator said: pause/resume, abort, and the gates approved so far (see gateId). */
export interface OperatorState {
  paused?: boolean;
  aborted?: boolean;
  approvals?: readonly string[];
}

/** The id of an approval gate, e.g. "canary:after"; approvals name gates by it. */
export const gateId = (stage: string, when: 'before' | 'after') => `${stage}:${when}`;

/** Everything the engine decides from: the plan, the clusters' runs, the operator and the clock. */
export interface EngineInput {
  stages: readonly PlannedStage[];
  /** By cluster name; a cluster without an entry is Pending. */
  runs: Readonly<Record<string, ClusterRun>>;
  operator: OperatorState;
  now: number;
}

/** Where a stage stands. */
export type StageStatus = 'Pending' | 'AwaitingApproval' | 'Running' | 'Soaking' | 'Succeeded' | 'Failed';

/** Counts per stage, for the UI and the CLI. */
export interface StageProgress {
  name: string;
  status: StageStatus;
  total: number;
  pending: number;
  running: number;
  succeeded: number;
  failed: number;
  skipped: number;
  waitingWindow: number;
  /** Refused because the cluster was busy (another operation held it): tried again later. */
  waitingBusy: number;
  /** Running clusters past the stage's progress deadline (also counted in running). */
  timedOut: number;
  maxFailures: number;
  soakEndsAt?: number;
}

/** What an idle rollout waits for. */
export type WaitReason = 'approval' | 'soak' | 'window' | 'busy' | 'running' | 'resume';

/** The engine's answer: what to start, what is wrong, what to wait for and until when. */
export interface Decision {
  outcome: 'InProgress' | 'Succeeded' | 'Failed' | 'Aborted';
  /** Clusters to start now, in plan order. */
  start: string[];
  /** The stage being worked on, if any. */
  stage?: string;
  stages: StageProgress[];
  breach?: { stage: string; failed: number; budget: number };
  /** Running clusters past their progress deadline: the workflow should stop waiting on them. */
  timedOut: string[];
  waitingFor?: WaitReason;
  /** The gate awaiting approval when waitingFor is approval. */
  gate?: string;
  /** When to look again even if nothing happens (soak end, a window opening, a deadline). */
  wakeAt?: number;
}

const runOf = (input: EngineInput, name: string): ClusterRun => input.runs[name] ?? { status: 'Pending' };

function isTimedOut(stage: PlannedStage, run: ClusterRun, now: number): boolean {
  return run.status === 'Running' && stage.progressDeadlineMs !== undefined && run.startedAt !== undefined && now >= run.startedAt + stage.progressDeadlineMs;
}

function progressOf(input: EngineInput, stage: PlannedStage): StageProgress & { timedOutNames: string[] } {
  const p = { name: stage.name, status: 'Pending' as StageStatus, total: stage.clusters.length, pending: 0, running: 0, succeeded: 0, failed: 0, skipped: 0, waitingWindow: 0, waitingBusy: 0, timedOut: 0, maxFailures: stage.maxFailures, timedOutNames: [] as string[] };
  for (const name of stage.clusters) {
    const run = runOf(input, name);
    switch (run.status) {
      case 'Pending': p.pending++; break;
      case 'Running': p.running++; break;
      case 'Succeeded': p.succeeded++; break;
      case 'Failed': p.failed++; break;
      case 'Skipped': p.skipped++; break;
      case 'WaitingWindow': p.waitingWindow++; break;
      case 'WaitingBusy': p.waitingBusy++; break;
    }
    if (isTimedOut(stage, run, input.now)) {
      p.timedOut++;
      p.timedOutNames.push(name);
    }
  }
  return p;
}

const minOf = (xs: readonly number[]) => (xs.length ? Math.min(...xs) : undefined);
const isWaiting = (run: ClusterRun) => run.status === 'WaitingWindow' || run.status === 'WaitingBusy';

/** Decides the next step of a staged rollout. Pure: same input, same answer. */
export function decideRollout(input: EngineInput): Decision {
  const all = input.stages.map((s) => progressOf(input, s));
  const stages: StageProgress[] = all.map(({ timedOutNames: _names, ...p }) => p);
  const timedOut = all.flatMap((p) => p.timedOutNames);
  const base = { start: [] as string[], stages, timedOut };
  if (input.operator.aborted) return { ...base, outcome: 'Aborted' };
  const approved = new Set(input.operator.approvals ?? []);

  for (let i = 0; i < input.stages.length; i++) {
    const stage = input.stages[i]!;
    const p = stages[i]!;
    const at = { ...base, stage: stage.name };
    const failed = p.failed + p.timedOut;
    if (failed > stage.maxFailures) {
      p.status = 'Failed';
      return { ...at, outcome: 'Failed', breach: { stage: stage.name, failed, budget: stage.maxFailures } };
    }
    const done = p.succeeded + p.failed + p.skipped === p.total;
    if (done) {
      if (p.total === 0) {
        p.status = 'Succeeded';
        continue;
      }
      if (stage.approval === 'after' && !approved.has(gateId(stage.name, 'after'))) {
        p.status = 'AwaitingApproval';
        return { ...at, outcome: 'InProgress', waitingFor: 'approval', gate: gateId(stage.name, 'after') };
      }
      if (i < input.stages.length - 1 && stage.soakMs > 0) {
        const lastEnd = Math.max(...stage.clusters.map((n) => runOf(input, n).endedAt ?? 0));
        const soakEndsAt = lastEnd + stage.soakMs;
        if (input.now < soakEndsAt) {
          p.status = 'Soaking';
          p.soakEndsAt = soakEndsAt;
          return { ...at, outcome: 'InProgress', waitingFor: 'soak', wakeAt: soakEndsAt };
        }
      }
      p.status = 'Succeeded';
      continue;
    }

    if (stage.approval === 'before' && !approved.has(gateId(stage.name, 'before'))) {
      p.status = 'AwaitingApproval';
      return { ...at, outcome: 'InProgress', waitingFor: 'approval', gate: gateId(stage.name, 'before') };
    }
    p.status = 'Running';
    if (input.operator.paused) return { ...at, outcome: 'InProgress', waitingFor: 'resume' };

    const runs = stage.clusters.map((name) => ({ name, run: runOf(input, name) }));
    const slots = stage.maxConcurrency - (p.running - p.timedOut);
    const startable = runs.filter(({ run }) => run.status === 'Pending' || (isWaiting(run) && (run.wakeAt ?? 0) <= input.now));
    const start = startable.slice(0, Math.max(0, slots)).map((r) => r.name);
    if (start.length) return { ...at, outcome: 'InProgress', start };

    const deadlines = runs
      .filter(({ run }) => run.status === 'Running' && run.startedAt !== undefined && stage.progressDeadlineMs !== undefined && !isTimedOut(stage, run, input.now))
      .map(({ run }) => run.startedAt! + stage.progressDeadlineMs!);
    const waits = runs.filter(({ run }) => isWaiting(run) && run.wakeAt !== undefined).map(({ run }) => run).sort((a, b) => a.wakeAt! - b.wakeAt!);
    // Idle but for waiting clusters: the reason is that of the first one due.
    const waitingFor: WaitReason = p.running > p.timedOut || !waits.length ? 'running' : waits[0]!.status === 'WaitingBusy' ? 'busy' : 'window';
    const wakeAt = minOf([...deadlines, ...(slots > 0 ? waits.map((run) => run.wakeAt!) : [])]);
    return { ...at, outcome: 'InProgress', waitingFor, ...(wakeAt !== undefined ? { wakeAt } : {}) };
  }
  return { ...base, outcome: 'Succeeded' };
}

/** "canary: 1/1 done (1 succeeded)": one line per stage for the UI's details and the CLI. */
export function stageLine(p: StageProgress): string {
  const done = p.succeeded + p.failed + p.skipped;
  const parts = [
    p.succeeded && `${p.succeeded} succeeded`,
    p.failed && `${p.failed} failed`,
    p.skipped && `${p.skipped} skipped`,
    p.running && `${p.running} running${p.timedOut ? ` (${p.timedOut} past deadline)` : ''}`,
    p.waitingWindow && `${p.waitingWindow} waiting for a window`,
    p.waitingBusy && `${p.waitingBusy} waiting for a busy cluster`,
    p.pending && `${p.pending} pending`,
  ].filter(Boolean);
  return `${p.name}: ${p.status}, ${done}/${p.total} done${parts.length ? ` (${parts.join(', ')})` : ''}, failure budget ${p.maxFailures}`;
}

/** One sentence about where the rollout stands, relative to `now`. */
export function describeDecision(d: Decision, now: number): string {
  const until = (t: number | undefined) => (t !== undefined ? ` (${formatDuration(t - now)} from now)` : '');
  switch (d.outcome) {
    case 'Aborted': return 'aborted by the operator';
    case 'Succeeded': return `all ${d.stages.length} stages done`;
    case 'Failed': return `halted: stage ${d.breach!.stage} has ${d.breach!.failed} failures, over its budget of ${d.breach!.budget}`;
    case 'InProgress':
      if (d.start.length) return `stage ${d.stage}: starting ${d.start.join(', ')}`;
      switch (d.waitingFor) {
        case 'approval': return `stage ${d.stage}: waiting for approval of gate ${d.gate}`;
        case 'soak': return `stage ${d.stage}: soaking${until(d.wakeAt)}`;
        case 'window': return `stage ${d.stage}: waiting for maintenance windows${until(d.wakeAt)}`;
        case 'busy': return `stage ${d.stage}: waiting for busy clusters to be free, next try${until(d.wakeAt)}`;
        case 'resume': return `stage ${d.stage}: paused`;
        default: return `stage ${d.stage}: waiting for running clusters`;
      }
  }
}
