import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { placementClusterFrom, type PlacementCluster } from '../domain/placement/cluster.js';
import { toVisibilityQuery, type FleetSelector } from '../domain/selection/fleet-selector.js';
import { getClusterState } from './messages/cluster.js';
import { sharedQuery } from './shared-query.js';

/**
 * The fleet as a placement sees it (health and capacity included): the visibility query narrows
 * the entities, each entity's own state is read. Sorted by name. Used by the CLI's previews and,
 * heartbeating, by the listPlacementFleet activity.
 */
export async function readPlacementFleet(client: Client, selector: FleetSelector, lanes = 16, onBatch?: (listed: number, of: number) => void): Promise<PlacementCluster[]> {
  const ids: string[] = [];
  for await (const wf of client.workflow.list({ query: toVisibilityQuery(selector).query })) ids.push(wf.workflowId);
  const out: PlacementCluster[] = [];
  for (let i = 0; i < ids.length; i += lanes) {
    const batch = await Promise.all(ids.slice(i, i + lanes).map((id) => readOne(client, id)));
    for (const c of batch) if (c) out.push(c);
    onBatch?.(out.length, ids.length);
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

async function readOne(client: Client, workflowId: string): Promise<PlacementCluster | undefined> {
  try {
    return placementClusterFrom(await sharedQuery(client, workflowId, getClusterState));
  } catch (err) {
    // An entity that completed between list and query is simply not in the fleet any more.
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}
