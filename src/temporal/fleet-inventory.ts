import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { clusterSummaryFrom, toVisibilityQuery, type ClusterSummary, type FleetSelector } from '../domain/selection/fleet-selector.js';
import { getClusterState } from './messages/cluster.js';

/**
 * The fleet as placement sees it, read from a client (the CLI's dry runs): the visibility query
 * narrows the entities, each entity's own state decides (busy and protected are exact). Sorted
 * by name. The listFleet activity does the same inside a worker, heartbeating as it goes.
 */
export async function readFleet(client: Client, selector: FleetSelector, lanes = 16, onBatch?: (listed: number, of: number) => void): Promise<ClusterSummary[]> {
  const ids: string[] = [];
  for await (const wf of client.workflow.list({ query: toVisibilityQuery(selector).query })) ids.push(wf.workflowId);
  const out: ClusterSummary[] = [];
  for (let i = 0; i < ids.length; i += lanes) {
    const batch = await Promise.all(
      // An entity that completed between list and query is simply not in the fleet any more.
      ids.slice(i, i + lanes).map((id) => readEntitySummary(client, id)),
    );
    for (const s of batch) if (s) out.push(s);
    onBatch?.(out.length, ids.length);
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** One entity's summary from its own state; undefined when no such entity runs. */
export async function readEntitySummary(client: Client, workflowId: string): Promise<ClusterSummary | undefined> {
  try {
    return clusterSummaryFrom(await client.workflow.getHandle(workflowId).query(getClusterState));
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}
