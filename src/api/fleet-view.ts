import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { QueryDefinition } from '@temporalio/common';
import type { ClusterSummary } from '../domain/selection/fleet-selector.js';
import { inventoryQuery } from '../domain/selection/selector-syntax.js';
import { listClusters, type ClusterRow } from '../temporal/fleet-inventory.js';
import { sharedQuery } from '../temporal/shared-query.js';

/**
 * What the fleet-wide routes (placements, policies) read: the inventory as the access policy
 * sees it, and the long-running workflows of one type with their status queries.
 */

/** A listed cluster as the policy sees it (protection and maintenance do not matter to it). */
export const summaryOfRow = (r: ClusterRow): ClusterSummary => ({
  name: r.name,
  provider: r.provider,
  region: r.region,
  environment: r.environment,
  ...(r.version ? { version: r.version } : {}),
  labels: r.labels,
  phase: r.phase as ClusterSummary['phase'],
  protected: false,
});

/** The inventory by name, from visibility (one list call): what authorization decides on. */
export async function inventoryByName(client: Client): Promise<Map<string, ClusterSummary>> {
  const rows = await listClusters(client, inventoryQuery([]));
  return new Map(rows.map((r) => [r.name, summaryOfRow(r)]));
}

/** The status of every running workflow of `type`, in workflow id order; one that ended between list and query is left out. */
export async function runningStatuses<T>(client: Client, type: string, query: QueryDefinition<T, []>): Promise<{ workflowId: string; status: T }[]> {
  const ids: string[] = [];
  for await (const wf of client.workflow.list({ query: `WorkflowType = '${type}' AND ExecutionStatus = 'Running'` })) ids.push(wf.workflowId);
  ids.sort();
  const out = await Promise.all(ids.map(async (workflowId) => ({ workflowId, status: await statusOf(client, workflowId, query) })));
  return out.flatMap(({ workflowId, status }) => (status === undefined ? [] : [{ workflowId, status }]));
}

/** One workflow's status query, or undefined when there is no such workflow. */
export async function statusOf<T>(client: Client, workflowId: string, query: QueryDefinition<T, []>): Promise<T | undefined> {
  try {
    return await sharedQuery(client, workflowId, query);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}
