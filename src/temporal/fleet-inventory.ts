import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { INVENTORY_ATTRIBUTES } from '../domain/cluster/inventory.js';
import { clusterSummaryFrom, toVisibilityQuery, type ClusterSummary, type FleetSelector } from '../domain/selection/fleet-selector.js';
import { getClusterState } from './messages/cluster.js';
import { sharedQuery } from './shared-query.js';

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
    return clusterSummaryFrom(await sharedQuery(client, workflowId, getClusterState));
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}

/** One row of `clusters list`: what the inventory's search attributes say. */
export interface ClusterRow {
  name: string;
  phase: string;
  provider: string;
  region: string;
  environment: string;
  version: string;
  health: string;
  labels: Record<string, string>;
}

/** Reads the inventory from visibility alone: one list call, however many clusters. */
export async function listClusters(client: Client, query: string): Promise<ClusterRow[]> {
  const rows: ClusterRow[] = [];
  for await (const wf of client.workflow.list({ query })) {
    const sa = wf.searchAttributes as Record<string, unknown[] | undefined>;
    const one = (key: string) => String(sa[key]?.[0] ?? '');
    rows.push({
      name: wf.workflowId.replace(/^cluster\//, ''),
      phase: one(INVENTORY_ATTRIBUTES.phase) || wf.status.name,
      provider: one(INVENTORY_ATTRIBUTES.provider),
      region: one(INVENTORY_ATTRIBUTES.region),
      environment: one(INVENTORY_ATTRIBUTES.environment),
      version: one(INVENTORY_ATTRIBUTES.version),
      health: one(INVENTORY_ATTRIBUTES.health),
      labels: Object.fromEntries(
        (sa[INVENTORY_ATTRIBUTES.labels] ?? []).map((kv) => {
          const s = String(kv);
          const i = s.indexOf('=');
          return [s.slice(0, i), s.slice(i + 1)];
        }),
      ),
    });
  }
  return rows.sort((a, b) => a.name.localeCompare(b.name));
}
