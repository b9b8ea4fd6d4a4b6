import type { protos } from '@google-cloud/container';
import type { ClusterRef, ProviderChange } from '../types.js';
import type { GkeConnection } from './connection.js';
import { type GkeCallContext, gkeError, isOperationInProgress } from './errors.js';
import { gkePaths, isDone, operationType, toProviderChange } from './mapping.js';

/**
 * GKE's long-running operations as the provider uses them: GKE runs one operation per cluster
 * at a time and its operations carry no caller token, so a repeated change is recognised by
 * kind and target and adopted, and a call refused while another runs waits a little.
 */

type Operation = protos.google.container.v1.IOperation;

/** Id prefix of a change that had nothing to do (the release already runs). */
export const UNCHANGED = 'unchanged:';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The change id of an operation: its full resource name. */
export function operationId(gke: GkeConnection, ref: ClusterRef, op: Operation): string {
  return gkePaths.operation(gke.project, ref.region, op.name ?? '');
}

/** Runs `fn`, retrying only "another operation is running" for up to busyWaitMs. */
export async function whenFree<T>(gke: GkeConnection, ctx: GkeCallContext, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + gke.busyWaitMs;
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      if (!isOperationInProgress(e) || Date.now() + gke.busyPollMs > deadline) throw gkeError(e, ctx);
      await sleep(gke.busyPollMs);
    }
  }
}

/** Operations of one type on one target, oldest first. */
async function operationsOn(gke: GkeConnection, ref: ClusterRef, ctx: GkeCallContext, type: string, target: string): Promise<Operation[]> {
  try {
    const [list] = await gke.client.listOperations({ parent: gkePaths.location(gke.project, ref.region) }, gke.callOptions);
    return (list.operations ?? [])
      .filter((op) => operationType(op) === type && (op.targetLink ?? '').endsWith(target))
      .sort((a, b) => String(a.startTime ?? '').localeCompare(String(b.startTime ?? '')));
  } catch (e) {
    throw gkeError(e, ctx);
  }
}

/**
 * Starts a change unless one of the same kind already runs on the target (a retried call
 * adopts it) or the release already runs (then the last such change, or an "unchanged" one).
 */
export async function startChange(
  gke: GkeConnection,
  ref: ClusterRef,
  ctx: GkeCallContext,
  change: { type: string; target: string; alreadyAt: boolean; start: () => Promise<[Operation, ...unknown[]]> },
): Promise<ProviderChange> {
  const ops = await operationsOn(gke, ref, ctx, change.type, change.target);
  const running = ops.find((op) => !isDone(op));
  if (running) return toProviderChange(running, operationId(gke, ref, running));
  if (change.alreadyAt) {
    const last = ops.at(-1);
    return last ? toProviderChange(last, operationId(gke, ref, last)) : { id: `${UNCHANGED}${change.target}`, status: 'Succeeded' };
  }
  const op = await whenFree(gke, ctx, async () => (await change.start())[0]);
  return toProviderChange(op, operationId(gke, ref, op));
}
