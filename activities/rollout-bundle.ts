import { ApplicationFailure } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { BundleSchema, type Bundle } from '../src/domain/bundle/bundle.js';
import { withOverrides } from '../src/domain/bundle/overrides.js';
import { RolloutBundleRefSchema, type RolloutBundleRef } from '../src/domain/cluster/operation-inputs.js';
import { describeProblems, parseWith } from '../src/domain/validation.js';
import { readStartArgs } from '../src/temporal/workflow-input.js';

export function rolloutBundleActivities(client: Client) {
  return {
    /**
     * The bundle a fleetRollout carries, with the overrides chosen for one cluster applied.
     * Read from the rollout's own input, so the manifests reach each cluster's history without
     * passing through the rollout's history once per cluster. A rollout that is gone, or that
     * now carries another revision (its id was reused), fails non-retryable.
     */
    async loadRolloutBundle(input: RolloutBundleRef): Promise<Bundle> {
      const ref = parseWith(RolloutBundleRefSchema, input, 'bundleFrom');
      if (!ref.ok) throw ApplicationFailure.nonRetryable(`invalid bundle reference: ${describeProblems(ref.problems)}`, 'InvalidInput');
      const { rollout, name, revision, overrides } = ref.value;
      const start = await readStartArgs(client, rollout);
      // A placement in force (placedBundle) carries its bundle the same way.
      if (!start || (start.workflowType !== 'fleetRollout' && start.workflowType !== 'placedBundle')) {
        throw ApplicationFailure.nonRetryable(`bundle ${name}@${revision}: rollout ${rollout} ${start ? `is a ${start.workflowType}, not a fleetRollout` : 'does not exist'}, so its bundle cannot be read`, 'RolloutNotFound');
      }
      const bundle = parseWith(BundleSchema, (start.args[0] as { bundle?: unknown } | undefined)?.bundle, 'bundle');
      if (!bundle.ok) throw ApplicationFailure.nonRetryable(`rollout ${rollout} carries no valid bundle: ${describeProblems(bundle.problems)}`, 'RolloutNotFound');
      if (bundle.value.name !== name || bundle.value.revision !== revision) {
        throw ApplicationFailure.nonRetryable(
          `rollout ${rollout} now carries ${bundle.value.name}@${bundle.value.revision}, not ${name}@${revision}: the rollout id was reused`,
          'RolloutBundleChanged',
        );
      }
      return withOverrides(bundle.value, overrides);
    },
  };
}

export type RolloutBundleActivities = ReturnType<typeof rolloutBundleActivities>;
