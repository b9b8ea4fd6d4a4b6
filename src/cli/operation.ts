import { WorkflowFailedError, type Client } from '@temporalio/client';
import { TemporalFailure } from '@temporalio/common';
import { clusterEntityId } from '../domain/cluster/inventory.js';
import { clusterOperationSummary, operationMetadata } from '../domain/operation-metadata.js';
import { getClusterState } from '../temporal/messages/cluster.js';
import type { CliContext } from './context.js';
import { CommandError } from './errors.js';
import { uiLinkLine } from './ui-link.js';

export interface OperationStart {
  workflowType: 'provisionCluster' | 'decommissionCluster';
  workflowId: string;
  cluster: string;
  args: unknown[];
  wait: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts a cluster operation (or attaches to the one already running under that id) and,
 * when waiting, prints each step the cluster entity reports until the workflow ends.
 */
export async function runOperation(ctx: CliContext, op: OperationStart): Promise<void> {
  const client = await ctx.temporal();
  const handle = await client.workflow.start(op.workflowType, {
    workflowId: op.workflowId,
    taskQueue: ctx.config.taskQueue,
    args: op.args,
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    ...operationMetadata(op.workflowType, op.args[0], clusterOperationSummary(op.workflowType, op.args[0])),
  });
  ctx.out(`${op.workflowType} ${op.workflowId} (run ${handle.firstExecutionRunId})`);
  ctx.out(`  ${uiLinkLine(ctx, op.workflowId, handle.firstExecutionRunId)}`);
  if (!op.wait) return;
  let done = false;
  const result = handle.result().finally(() => (done = true));
  result.catch(() => undefined);
  let lastStep = '';
  while (!done) {
    const step = await currentStep(client, op.cluster, op.workflowId);
    if (step && step !== lastStep) ctx.out(`  ${op.cluster}: ${step}`);
    lastStep = step ?? lastStep;
    await Promise.race([result.catch(() => undefined), sleep(1_000)]);
  }
  try {
    await result;
  } catch (e) {
    throw new CommandError(`${op.workflowType} ${op.cluster} failed: ${rootCause(e)}`, { cause: e });
  }
  ctx.out(`${op.workflowType} ${op.cluster}: done`);
}

async function currentStep(client: Client, cluster: string, operationId: string): Promise<string | undefined> {
  try {
    const state = await client.workflow.getHandle(clusterEntityId(cluster)).query(getClusterState);
    return state.current?.id === operationId ? state.current.message : undefined;
  } catch {
    return undefined; // the entity may not exist yet (it is started by the operation)
  }
}

/** The innermost failure's message: what actually went wrong, without the wrapping. */
export function rootCause(e: unknown): string {
  let err: unknown = e instanceof WorkflowFailedError ? (e.cause ?? e) : e;
  while (err instanceof TemporalFailure && err.cause) err = err.cause;
  return err instanceof Error ? err.message : String(err);
}
