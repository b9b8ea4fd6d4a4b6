import type { Client } from '@temporalio/client';
import type { ProviderRegistry } from '../src/providers/registry.js';
import { DEFAULT_WEBHOOKS_CONFIG, type WebhooksConfig } from '../src/domain/change/webhooks-config.js';
import { apiScanActivities } from './api-scan.js';
import { bootstrapActivities } from './bootstrap.js';
import { clusterHealthActivities } from './cluster-health.js';
import { bundleActivities } from './bundles.js';
import { changeCallbackActivities } from './change-callbacks.js';
import { lifecycleActivities } from './cluster-lifecycle.js';
import { drainActivities } from './drain.js';
import { inventoryActivities } from './inventory.js';
import { placementActivities } from './placement.js';
import { policyActivities } from './policy.js';
import { rolloutBundleActivities } from './rollout-bundle.js';

export type { ClusterTarget } from '../src/domain/cluster/target.js';

export interface ActivityDeps {
  /** For activities that talk to other workflows (claiming a cluster entity). */
  client: Client;
  providers: ProviderRegistry;
  /** The config file's `webhooks` section: the secrets callbacks are signed with (none when absent). */
  webhooks?: WebhooksConfig;
}

/** Every activity the worker registers, built over its dependencies. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...inventoryActivities(deps.client),
    ...rolloutBundleActivities(deps.client),
    ...placementActivities(deps.client, deps.providers),
    ...lifecycleActivities(deps.providers),
    ...bootstrapActivities(deps.providers),
    ...clusterHealthActivities(deps.providers),
    ...drainActivities(deps.providers),
    ...apiScanActivities(deps.providers),
    ...bundleActivities(deps.providers),
    ...policyActivities(deps.client, deps.providers),
    ...changeCallbackActivities(deps.webhooks ?? DEFAULT_WEBHOOKS_CONFIG),
  };
}

export type FleetActivities = ReturnType<typeof createActivities>;
