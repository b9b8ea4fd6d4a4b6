import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Toolchain } from '../../src/host/toolchain.js';
import { ALL_SEARCH_ATTRIBUTES } from '../../src/temporal/search-attributes.js';

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
 * The Temporal server of the multi-worker and versioning tests: today the CLI's dev server
 * (its own process, a free port, Fleetflow's namespace and search attributes); the one place
 * to switch them to the PostgreSQL-backed cluster (test/helpers/temporal-cluster.ts).
 * Call it after Runtime.install (FleetTestEnv.create does, then calls this).
 */
export async function startTestEngine(namespace = 'fleetflow'): Promise<TestEngine> {
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: new Toolchain().temporal },
      ip: '127.0.0.1',
      namespace,
      searchAttributes: ALL_SEARCH_ATTRIBUTES,
      ui: false,
      log: { format: 'pretty', level: 'error' },
      extraArgs: Object.entries(FAST_VERSIONING_DYNAMIC_CONFIG).flatMap(([k, v]) => ['--dynamic-config-value', `${k}=${JSON.stringify(v)}`]),
    },
  });
  return { address: env.address, namespace, stop: () => env.teardown() };
}
