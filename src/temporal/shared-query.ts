import type { Client } from '@temporalio/client';
import type { QueryDefinition } from '@temporalio/common';

/**
 * Queries that callers of one process share while they are in flight: concurrent callers of
 * the same query on the same workflow get the one answer (or error) of a single request.
 *
 * Why: while a workflow has a workflow task pending or running (its first task, or any task
 * after a signal, an update, a child's start...), the server cannot dispatch a query directly
 * and buffers it until the task completes, but it buffers only one query per workflow
 * (history.MaxBufferedQueryCount, default 1). Every other concurrent query is answered
 * RESOURCE_EXHAUSTED at once, which the client retries after 1 s, 1.7 s, 2.9 s ... up to ten
 * times: twenty API requests for one change (a change system retrying) would make nineteen
 * of them wait seconds, up to about 40 s, for nothing. Sharing keeps this process at one
 * query per workflow and query type at a time.
 *
 * Nothing is cached: a query that starts after the shared one settled asks again.
 */

const inFlight = new WeakMap<Client, Map<string, Promise<unknown>>>();

/**
 * The answer of `query` on the workflow's current run, shared with the callers that asked for
 * the same while it was in flight.
 *
 * @example const view = await sharedQuery(client, 'change/servicenow/CHG1', getChange);
 */
export function sharedQuery<T>(client: Client, workflowId: string, query: QueryDefinition<T, []>): Promise<T> {
  let calls = inFlight.get(client);
  if (!calls) inFlight.set(client, (calls = new Map()));
  const key = `${query.name}\u0000${workflowId}`;
  const pending = calls.get(key);
  if (pending) return pending as Promise<T>;
  const asked = client.workflow
    .getHandle(workflowId)
    .query(query)
    .finally(() => calls.delete(key));
  calls.set(key, asked);
  return asked;
}
