import type { UpdateDefinition } from '@temporalio/common';
import { ApplicationFailure, ChildWorkflowFailure, condition, patched, setHandler, sleep } from '@temporalio/workflow';
import type { z } from 'zod';
import { formatDuration } from '../src/domain/time/durations.js';
import { runAfterBusy } from '../src/domain/staged/busy.js';
import { decideRollout, type Decision } from '../src/domain/staged/engine.js';
import {
  AbortSchema,
  applyAction,
  ApproveSchema,
  countRuns,
  haltOf,
  PauseSchema,
  refuseAction,
  RetrySchema,
  SkipSchema,
  type Admission,
  type FinalOutcome,
  type OperatorAction,
  type StagedState,
} from '../src/domain/staged/operator.js';
import { parseInput, rootFailure } from './operation-steps.js';

export type { Admission };
import { abortOperation, approveGate, pauseOperation, resumeOperation, retryFailed, skipCluster } from '../src/temporal/messages/staged.js';

/**
 * The runner of every staged fleet operation (upgradeWave, fleetRollout, fleetDecommission): it
 * asks the decision engine (src/domain/staged/engine.ts) what to do, starts clusters through
 * a hook, sleeps on durable timers until something changes (a cluster ends, an operator acts,
 * a soak ends, a window opens), and ends when the engine says so. It decides nothing itself.
 *
 * Beyond the engine it adds: a cluster the hook refuses to admit waits (its window) or is
 * skipped; a cluster refused as busy waits and is tried again (src/domain/staged/busy.ts); a
 * failure marked `halts` stops starting clusters whatever the budget; after a breach or a halt,
 * and at an approval gate, it waits for the operator at most `operatorTimeoutMs`, then fails.
 * Abort and breaches never interrupt running clusters: the runner waits for them.
 */

/** How one cluster's part ended. */
export interface RunOutcome {
  succeeded: boolean;
  message: string;
  /** A failure that cannot be undone: the operation halts until the operator decides. */
  halts?: boolean;
  /** Refused because another operation holds the cluster: not a failure, it is tried again later. */
  busy?: boolean;
}

/** What the runner needs from the workflow that uses it. */
export interface StageRunnerHooks {
  /** Default: start at once. */
  admit?(name: string, now: number): Admission;
  /** Runs one cluster's part (usually a child workflow) to its end. A throw counts as a failure. */
  run(name: string, attempt: number): Promise<RunOutcome>;
  /** After each look: keep the UI's current details up to date. */
  onProgress?(decision: Decision, now: number): void;
  /** True when the history is long: no cluster starts, and the runner ends with ContinueAsNew once none runs. */
  shouldContinueAsNew?(): boolean;
  /** How long a gate or a halted operation waits for the operator. */
  operatorTimeoutMs: number;
  /** On a failure-budget breach: wait for the operator (default), or end at once (to roll back). */
  onBreach?: 'wait' | 'end';
}

/** How the runner ended: a final outcome, or "continue as new with my state". */
export type RunnerEnd = FinalOutcome | { outcome: 'ContinueAsNew' };

const iso = () => new Date().toISOString();

/** Children started in one workflow task, at most. */
const MAX_STARTS_PER_TASK = 25;

/** Busy clusters wait and are tried again; in runs that predate it, a busy refusal was a failure. */
const BUSY_RETRY_PATCH = 'busy-is-not-failure';

/** A failed child in its own words; `busy` says who else may be running a child of that id. */
export function childFailureMessage(childId: string, err: unknown, busy: string): string {
  if (err instanceof Error && err.name === 'WorkflowExecutionAlreadyStartedError') return `${childId} is already running (${busy})`;
  const top = childFailureOf(err);
  return top instanceof ApplicationFailure ? top.message : `${childId} ended: ${rootFailure(err).message}`;
}

/** What a child failed with: the cause of a ChildWorkflowFailure, or the error itself. */
export function childFailureOf(err: unknown): unknown {
  return err instanceof ChildWorkflowFailure && err.cause ? err.cause : err;
}

/** A failed child as a run outcome, in its own words; one refused because the cluster is busy says so. */
export function failedChild(childId: string, err: unknown, busy: string): RunOutcome {
  const top = childFailureOf(err);
  const refusedBusy = top instanceof ApplicationFailure && top.type === 'ClusterBusy';
  return { succeeded: false, message: childFailureMessage(childId, err, busy), ...(refusedBusy ? { busy: true } : {}) };
}

/** Runs a staged operation over `state` (mutated in place as `runner.state`). */
export class StageRunner<S extends StagedState> {
  /** Bumped on every change; waits end when it moves. */
  private changes = 0;
  private ended = false;
  /** Messages to a change still on their way: the operation ends after they arrive (see staged-operation.ts). */
  reports: Promise<unknown>[] = [];

  constructor(
    public state: S,
    private readonly hooks: StageRunnerHooks,
  ) {}

  /** The engine's answer for `now`. */
  decide(now = Date.now()): Decision {
    const { stages, runs, operator } = this.state;
    return decideRollout({ stages, runs, operator, now });
  }

  /** Registers the operator updates (approve, pause, resume, abort, retryFailed, skipCluster) with validators. */
  installOperatorHandlers(onChange?: () => void): void {
    const wire = <A>(def: UpdateDefinition<void, [A]>, schema: z.ZodType, action: OperatorAction['action'], description: string) => {
      const parse = (input: A) => ({ action, ...(parseInput(schema, input, `${action} request`) as object) }) as OperatorAction;
      setHandler(def, (input: A) => {
        this.act(parse(input));
        onChange?.();
      }, {
        description,
        validator: (input: A) => {
          const refusal = refuseAction(this.state, parse(input), this.ended);
          if (refusal) throw ApplicationFailure.nonRetryable(`${action} refused: ${refusal}`, 'OperatorActionRefused');
        },
      });
    };
    wire(approveGate, ApproveSchema, 'approve', 'Approve a gate: {"gate": "prod:before", "by": "alice", "reason": "CHG-42"}');
    wire(pauseOperation, PauseSchema, 'pause', 'Stop starting clusters (running ones finish): {"by": "alice", "reason": "..."}');
    wire(resumeOperation, PauseSchema, 'resume', 'Start clusters again: {"by": "alice"}');
    wire(abortOperation, AbortSchema, 'abort', 'Stop for good; running clusters finish, nothing is rolled back: {"by": "alice", "reason": "..."}');
    wire(retryFailed, RetrySchema, 'retryFailed', 'Run failed clusters again: {"by": "alice", "clusters": ["web-1"]} (all failed ones without clusters)');
    wire(skipCluster, SkipSchema, 'skipCluster', 'Leave out a pending, waiting or failed cluster: {"by": "alice", "cluster": "web-1", "reason": "..."}');
  }

  /** Applies an accepted operator action. */
  act(action: OperatorAction): void {
    this.state = applyAction(this.state, action, iso());
    this.changes++;
  }

  /** Runs until the operation ends (or should continue as new). */
  async run(): Promise<RunnerEnd> {
    for (;;) {
      const now = Date.now();
      const d = this.decide(now);
      this.hooks.onProgress?.(d, now);
      const seen = this.changes;
      const changed = () => this.changes !== seen;
      const running = countRuns(this.state.runs).Running;
      const halt = haltOf(this.state);

      if (d.outcome === 'Succeeded') return this.end({ outcome: 'Succeeded', message: this.doneMessage() });
      if (d.outcome === 'Aborted' || d.outcome === 'Failed' || halt) {
        // Nothing new starts; running clusters are never interrupted, so wait for them first.
        if (running > 0) {
          await condition(changed);
          continue;
        }
        if (d.outcome === 'Aborted') {
          const by = [...this.state.audit].reverse().find((e) => e.action === 'abort');
          return this.end({ outcome: 'Aborted', message: `aborted by ${by?.by ?? 'the operator'}${by?.reason ? `: ${by.reason}` : ''}; ${this.doneMessage()}` });
        }
        if (!halt && this.hooks.onBreach === 'end') {
          const b = d.breach!;
          return this.end({ outcome: 'Failed', type: 'FailureBudgetExceeded', message: `stage ${b.stage} has ${b.failed} failed clusters, over its budget of ${b.budget}` });
        }
        const what = halt
          ? `halted: ${halt.cluster} failed after its control plane was upgraded: ${halt.message}`
          : `halted: stage ${d.breach!.stage} has ${d.breach!.failed} failed clusters, over its budget of ${d.breach!.budget}`;
        const deadline = this.waitingSince(halt ? `halt:${halt.cluster}` : `breach:${d.breach!.stage}`, now) + this.hooks.operatorTimeoutMs;
        if (now < deadline && (await condition(changed, deadline - now))) continue;
        return this.end({ outcome: 'Failed', type: halt ? 'Halted' : 'FailureBudgetExceeded', message: `${what}; no retry, skip or abort within ${this.timeoutText()}` });
      }

      let approvalDeadline: number | undefined;
      if (d.waitingFor === 'approval' && d.gate) {
        approvalDeadline = this.waitingSince(`gate:${d.gate}`, now) + this.hooks.operatorTimeoutMs;
        if (now >= approvalDeadline) {
          return this.end({ outcome: 'Failed', type: 'ApprovalTimedOut', message: `gate ${d.gate} was not approved within ${this.timeoutText()}; ${this.doneMessage()}` });
        }
      }
      if (this.hooks.shouldContinueAsNew?.()) {
        if (running === 0) return { outcome: 'ContinueAsNew' };
        await condition(changed);
        continue;
      }
      if (d.start.length) {
        // One workflow task carries every command it issues: starting hundreds of children
        // (each with its input) at once would exceed the server's request size, so they go
        // out in batches, a new task each (a 1 ms timer ends the task). Executions started
        // before batching started them all in one task and replay that way (no marker).
        const batched = d.start.length > MAX_STARTS_PER_TASK && patched('stage-starts-in-batches');
        for (const name of batched ? d.start.slice(0, MAX_STARTS_PER_TASK) : d.start) this.begin(name, now);
        if (batched) await sleep(1);
        continue;
      }
      const wakeAt = Math.min(d.wakeAt ?? Infinity, approvalDeadline ?? Infinity);
      if (wakeAt === Infinity) await condition(changed);
      else await condition(changed, Math.max(1, wakeAt - now));
    }
  }

  private begin(name: string, now: number): void {
    const prev = this.state.runs[name] ?? { status: 'Pending', attempts: 0 };
    const admission = this.hooks.admit?.(name, now) ?? { start: true };
    if (!admission.start) {
      this.state.runs[name] =
        admission.status === 'WaitingWindow'
          ? { status: 'WaitingWindow', attempts: prev.attempts, wakeAt: admission.wakeAt, message: admission.message }
          : { status: 'Skipped', attempts: prev.attempts, message: admission.message, endedAt: now };
      this.changes++;
      return;
    }
    const attempt = prev.attempts + 1;
    const running = { status: 'Running' as const, attempts: attempt, startedAt: now, message: attempt > 1 ? `attempt ${attempt}` : 'started', ...(prev.busy ? { busy: prev.busy } : {}) };
    this.state.runs[name] = running;
    this.changes++;
    const settle = (outcome: RunOutcome) => {
      this.changes++;
      if (outcome.busy && patched(BUSY_RETRY_PATCH)) {
        this.state.runs[name] = runAfterBusy(running, this.state.stages.find((s) => s.clusters.includes(name)), Date.now(), outcome.message);
        return;
      }
      this.state.runs[name] = {
        status: outcome.succeeded ? 'Succeeded' : 'Failed',
        attempts: attempt,
        startedAt: now,
        endedAt: Date.now(),
        message: outcome.message,
        ...(outcome.halts ? { halts: true } : {}),
      };
    };
    this.hooks.run(name, attempt).then(settle, (err: unknown) => settle({ succeeded: false, message: err instanceof Error ? err.message : String(err) }));
  }

  /** When the wait on `key` began; a new key (or any operator action, which clears it) starts the clock again. */
  private waitingSince(key: string, now: number): number {
    if (this.state.waiting?.on !== key) this.state.waiting = { on: key, since: now };
    return this.state.waiting.since;
  }

  private end(final: Omit<FinalOutcome, 'at'>): FinalOutcome {
    this.ended = true;
    this.state.final = { ...final, at: iso() };
    this.hooks.onProgress?.(this.decide(), Date.now());
    return this.state.final;
  }

  private doneMessage(): string {
    const c = countRuns(this.state.runs);
    return `${c.Succeeded} of ${c.total} clusters done, ${c.Failed} failed, ${c.Skipped} skipped`;
  }

  private timeoutText(): string {
    return formatDuration(this.hooks.operatorTimeoutMs);
  }
}
