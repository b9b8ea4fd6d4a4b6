/**
 * The per-cluster detail of a staged operation's progress, in pages. The progress query lists
 * every cluster up to PROGRESS_CLUSTER_LIMIT (about 250 KB at 1,000); past it the list is left
 * out (`clusterPages` says so) and readers page through getProgressClusters, so no answer
 * grows with the fleet beyond a page.
 */

/** Clusters the progress query lists itself; more are read by page. */
export const PROGRESS_CLUSTER_LIMIT = 1_000;
/** Clusters per page by default, and at most. */
export const CLUSTER_PAGE_SIZE = 500;
export const MAX_CLUSTER_PAGE_SIZE = 1_000;

/** Where a progress left its clusters out: read them with getProgressClusters. */
export interface ClusterPages {
  total: number;
  pageSize: number;
}

/** A page of clusters and the cursor of the next one (absent on the last page). */
export interface ClusterPage<C> {
  clusters: C[];
  total: number;
  next?: string;
}

/** What getProgressClusters takes: the cursor of a previous page (none: the first) and a page size. */
export interface ClusterPageRequest {
  cursor?: string;
  limit?: number;
}

/** The page of `all` that `req` asks for; a cursor that is not one this function gave starts over. */
export function clusterPage<C>(all: readonly C[], req: ClusterPageRequest = {}): ClusterPage<C> {
  const limit = Math.min(Math.max(1, Math.floor(Number(req.limit) || CLUSTER_PAGE_SIZE)), MAX_CLUSTER_PAGE_SIZE);
  const start = /^\d+$/.test(req.cursor ?? '') ? Math.min(Number(req.cursor), all.length) : 0;
  const end = Math.min(start + limit, all.length);
  return { clusters: all.slice(start, end), total: all.length, ...(end < all.length ? { next: String(end) } : {}) };
}
