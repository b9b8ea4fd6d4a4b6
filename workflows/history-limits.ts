import { workflowInfo } from '@temporalio/workflow';

/**
 * History size past which a long-running workflow continues as new: well under the 4 MB gRPC
 * message limit, so its history stays quick to fetch and to replay.
 */
const MAX_HISTORY_BYTES = 2 * 1024 * 1024;

/**
 * The one rule for "this history is long enough to continue as new", shared by the cluster
 * entity and every staged operation: Temporal suggests it, or it passed `maxEvents`, or 2 MB.
 */
export function historyIsLong(maxEvents: number, bySize = true): boolean {
  const info = workflowInfo();
  return info.continueAsNewSuggested || info.historyLength > maxEvents || (bySize && info.historySize > MAX_HISTORY_BYTES);
}
