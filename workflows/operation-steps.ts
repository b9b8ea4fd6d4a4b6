import {
  ApplicationFailure,
  CancellationScope,
  getExternalWorkflowHandle,
  isCancellation,
  setCurrentDetails,
  sleep,
  TemporalFailure,
  workflowInfo,
} from '@temporalio/workflow';
import type { z } from 'zod';
import type { ClusterPatch, OperationType } from '../src/domain/cluster/state.js';
import { clusterEntityId } from '../src/domain/cluster/inventory.js';
import { nextPollDelay, type PollPlan } from '../src/domain/cluster/operation-inputs.js';
import type { FailureType } from '../src/domain/failure-types.js';
import { checkInput } from '../src/domain/validation.js';
import { refuseWorkflowId } from '../src/domain/cluster/workflow-ids.js';
import type { ProviderCluster, ProviderClusterStatus } from '../src/providers/types.js';
import type { ClusterTarget } from '../src/domain/cluster/target.js';
import { cloud } from './activity-profiles.js';
import { operationFinished, operationProgress } from '../src/temporal/messages/cluster.js';

/** Parses a workflow input; a bad one fails the workflow at once, every problem listed by path. */
export function parseInput<S extends z.ZodType>(
  schema: S,
  input: unknown,
  what: string,
  type: FailureType = 'InvalidInput',
  root = '',
): z.output<S> {
  const checked = checkInput(schema, input, what, root);
  if (checked.ok) return checked.value;
  throw ApplicationFailure.nonRetryable(checked.message, type, { problems: checked.problems });
}

/**
 * Fails the workflow unless it runs under the id its input fixes by convention (e.g.
 * `provision/<name>`): under another id it would claim the same cluster as a second operation
 * nobody can find by name, or (for the entity) register a phantom cluster.
 */
export function requireWorkflowId(expected: string, field: string, value: string): void {
  const refusal = refuseWorkflowId(workflowInfo().workflowId, expected, field, value);
  if (refusal) throw ApplicationFailure.nonRetryable(refusal, 'InvalidInput');
}

/** The innermost failure: what went wrong, without the "Activity task failed" wrapping. */
export function rootFailure(err: unknown): { message: string; type: string } {
  let e: unknown = err;
  while (e instanceof TemporalFailure && e.cause) e = e.cause;
  const type = e instanceof ApplicationFailure && e.type ? e.type : 'OperationFailed';
  return { message: e instanceof Error ? e.message : String(e), type };
}

/**
 * Rethrown from an operation: the root cause's words and type, the whole chain as the cause,
 * and `details` for the caller (e.g. how far an apply got). A cancellation stays a
 * cancellation, so the UI shows the workflow Canceled, not Failed.
 */
export function operationFailure(what: string, err: unknown, ...details: unknown[]): unknown {
  if (isCancellation(err)) return err;
  const root = rootFailure(err);
  return ApplicationFailure.create({ message: `${what} failed: ${root.message}`, type: root.type, nonRetryable: true, cause: err as Error, ...(details.length ? { details } : {}) });
}

/** Reports an operation's steps to its cluster entity and to the Temporal UI. */
export class OperationReporter {
  readonly operationId = workflowInfo().workflowId;
  private readonly entity;

  constructor(
    readonly cluster: string,
    readonly type: OperationType,
  ) {
    this.entity = getExternalWorkflowHandle(clusterEntityId(cluster));
  }

  async step(step: string, patch?: ClusterPatch): Promise<void> {
    setCurrentDetails(`${this.type} ${this.cluster}: ${step}`);
    await this.entity.signal(operationProgress, { operationId: this.operationId, step, ...(patch ? { patch } : {}) });
  }

  /** Always delivered, even when the operation is being cancelled, so the cluster is freed. */
  /** Reports a failed operation and returns what the workflow should throw. */
  async fail(what: string, err: unknown, ...details: unknown[]): Promise<unknown> {
    const failure = operationFailure(what, err, ...details);
    await this.finish(false, isCancellation(err) ? `${what} cancelled` : (failure as Error).message);
    return failure;
  }

  async finish(succeeded: boolean, message: string, patch?: ClusterPatch): Promise<void> {
    setCurrentDetails(`${this.type} ${this.cluster}: ${succeeded ? 'done' : 'failed'}: ${message}`);
    await CancellationScope.nonCancellable(() =>
      this.entity.signal(operationFinished, {
        operationId: this.operationId,
        succeeded,
        message,
        ...(patch ? { patch } : {}),
      }),
    );
  }
}

/**
 * Polls the provider on a durable timer until the cluster reaches `want`. Fails when the
 * provider reports Failed, or when the deadline passes (with the last status in the message).
 */
export async function waitForStatus(
  target: ClusterTarget,
  want: ProviderClusterStatus,
  opts: { plan: PollPlan; timeoutMs: number; step: string },
): Promise<ProviderCluster> {
  return waitUntil(target, (c) => (c.status === want ? true : c.status === 'Failed' ? `provider reports Failed: ${c.message ?? 'no reason given'}` : false), {
    ...opts,
    describe: (c, secs) => `still ${c.status} after ${secs} s${c.message ? `: ${c.message}` : ''}`,
  });
}

/** Polls until every named node pool is Running; a Failed pool fails the wait with its message. */
export async function waitForNodePools(
  target: ClusterTarget,
  pools: readonly string[],
  opts: { plan: PollPlan; timeoutMs: number; step: string },
): Promise<ProviderCluster> {
  const poolsOf = (c: ProviderCluster) => pools.map((name) => c.nodePools?.find((p) => p.name === name) ?? { name, status: 'NotFound' as const });
  return waitUntil(target, (c) => {
    const failed = poolsOf(c).find((p) => p.status === 'Failed');
    if (failed) return `node pool ${failed.name} failed: ${failed.message ?? 'no reason given'}`;
    return poolsOf(c).every((p) => p.status === 'Running');
  }, {
    ...opts,
    describe: (c, secs) => `node pools not Running after ${secs} s: ${poolsOf(c).filter((p) => p.status !== 'Running').map((p) => `${p.name} ${p.status}`).join(', ')}`,
  });
}

/** The poll loop: `done` returns true, false (keep waiting) or a reason to fail. */
async function waitUntil(
  target: ClusterTarget,
  done: (c: ProviderCluster) => boolean | string,
  opts: { plan: PollPlan; timeoutMs: number; step: string; describe: (c: ProviderCluster, timeoutSeconds: number) => string },
): Promise<ProviderCluster> {
  // Date.now() is workflow time here: deterministic on replay.
  const deadline = Date.now() + opts.timeoutMs;
  for (let attempt = 0; ; attempt++) {
    const last = await cloud.describeCluster(target);
    const verdict = done(last);
    if (verdict === true) return last;
    if (typeof verdict === 'string') {
      throw ApplicationFailure.nonRetryable(`cluster ${target.name}: ${opts.step}: ${verdict}`, 'ProviderFailed');
    }
    if (Date.now() >= deadline) {
      throw ApplicationFailure.nonRetryable(
        `cluster ${target.name}: ${opts.step}: ${opts.describe(last, Math.round(opts.timeoutMs / 1000))}`,
        'WaitTimedOut',
      );
    }
    await sleep(Math.min(nextPollDelay(opts.plan, attempt), Math.max(1, deadline - Date.now())));
  }
}
