import type { QueryDefinition, WorkflowHandle } from '@temporalio/client';
import type { ClusterPage, ClusterPages } from '../domain/staged/progress-pages.js';
import { getProgressClusters } from './messages/staged.js';

/**
 * A staged operation's progress with every cluster: the progress query, and when it left the
 * per-cluster list out (past 1,000 clusters, `clusterPages`), the pages of getProgressClusters
 * one after the other. Each answer stays small; the whole list is assembled here.
 */
export async function readStagedProgress<P extends object>(handle: WorkflowHandle, query: QueryDefinition<P>): Promise<P> {
  const p = (await handle.query(query)) as P & { clusterPages?: ClusterPages };
  if (!p.clusterPages) return p;
  const clusters: unknown[] = [];
  let cursor: string | undefined;
  do {
    const page = (await handle.query(getProgressClusters, { ...(cursor ? { cursor } : {}), limit: p.clusterPages.pageSize })) as ClusterPage<unknown>;
    clusters.push(...page.clusters);
    cursor = page.next;
  } while (cursor);
  const { clusterPages: _pages, ...rest } = p;
  return { ...rest, clusters } as unknown as P;
}
