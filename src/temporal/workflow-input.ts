import { isGrpcServiceError, type Client } from '@temporalio/client';
import { decodeArrayFromPayloads } from '@temporalio/common/lib/internal-non-workflow/index.js';

/** gRPC status NOT_FOUND. */
const NOT_FOUND = 5;

/**
 * The type and arguments of the current run of `workflowId` (a run continued as new holds the
 * arguments it was continued with), read from its first history event only; undefined when
 * no such workflow exists.
 */
export async function readStartArgs(client: Client, workflowId: string): Promise<{ workflowType: string; args: unknown[] } | undefined> {
  try {
    const page = await client.workflowService.getWorkflowExecutionHistory({ namespace: client.options.namespace, execution: { workflowId }, maximumPageSize: 1 });
    const started = page.history?.events?.[0]?.workflowExecutionStartedEventAttributes;
    if (!started) return undefined;
    return { workflowType: started.workflowType?.name ?? '', args: await decodeArrayFromPayloads(client.options.loadedDataConverter, started.input?.payloads) };
  } catch (err) {
    if (isGrpcServiceError(err) && err.code === NOT_FOUND) return undefined;
    throw err;
  }
}
