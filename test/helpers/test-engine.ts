import { startTemporalCluster } from './temporal-cluster.js';

/** A Temporal server a test talks to: where, which namespace, and how to stop it. */
export interface TestEngine {
  address: string;
  namespace: string;
  stop(): Promise<void>;
}

/**
 * Worker Versioning settings a test needs to see drainage within seconds: the server re-checks
 * whether a replaced version still has pinned runs every RefreshInterval, after a grace period
 * for visibility (both minutes by default). A real cluster started for these tests needs the same.
 */
export const FAST_VERSIONING_DYNAMIC_CONFIG: Record<string, string> = {
  'matching.wv.VersionDrainageStatusRefreshInterval': '1s',
  'matching.wv.VersionDrainageStatusVisibilityGracePeriod': '1s',
};

/**
 * The Temporal server of the multi-worker and versioning tests: the PostgreSQL-backed cluster
 * (test/helpers/temporal-cluster.ts: the Temporal server on PostgreSQL with SQL visibility, four
 * history shards, Fleetflow's namespace and search attributes set up), in a folder of its own.
 */
export async function startTestEngine(namespace = 'fleetflow'): Promise<TestEngine> {
  const cluster = await startTemporalCluster({ namespace, dynamicConfig: FAST_VERSIONING_DYNAMIC_CONFIG });
  return { address: cluster.address, namespace, stop: () => cluster.stop() };
}
