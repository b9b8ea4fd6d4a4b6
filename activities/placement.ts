import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { ClusterCapacity } from '../src/domain/cluster/capacity.js';
import { HealthCheckInputSchema, type HealthCheckInput } from '../src/domain/cluster/kube-operation-inputs.js';
import type { PlacementCluster } from '../src/domain/placement/cluster.js';
import { FleetSelectorSchema, type FleetSelectorInput } from '../src/domain/selection/fleet-selector.js';
import { describeProblems, parseWith } from '../src/domain/validation.js';
import { observeCapacity } from '../src/kube/cluster-capacity.js';
import type { ProviderRegistry } from '../src/providers/registry.js';
import { readPlacementFleet } from '../src/temporal/placement-fleet.js';
import { clusterNameOf, credentialsFor, parseInput } from './cluster-access.js';
import { step } from './errors.js';

/** What placement reads: a cluster's capacity (for its entity's check), and the fleet with capacity and health. */
export function placementActivities(client: Client, providers: ProviderRegistry) {
  return {
    /** Allocatable and requested CPU/memory over the cluster's nodes and pods, its node count and zones. */
    async readClusterCapacity(input: Pick<HealthCheckInput, 'target'>): Promise<ClusterCapacity> {
      return step(clusterNameOf(input), 'reading capacity', async () => {
        const { target } = parseInput(HealthCheckInputSchema, input);
        return observeCapacity(await credentialsFor(providers, target));
      });
    },

    /** Every registered cluster the selector may match, each with its health and capacity from its entity. Sorted by name. */
    async listPlacementFleet(selector: FleetSelectorInput): Promise<PlacementCluster[]> {
      const parsed = parseWith(FleetSelectorSchema, selector, 'selector');
      if (!parsed.ok) throw ApplicationFailure.nonRetryable(`invalid selector: ${describeProblems(parsed.problems)}`, 'InvalidInput');
      return readPlacementFleet(client, parsed.value, 16, (listed, of) => Context.current().heartbeat({ listed, of }));
    },
  };
}
