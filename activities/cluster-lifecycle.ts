import { Context } from '@temporalio/activity';
import type { ClusterSpec, ProviderName } from '../src/domain/cluster-spec.js';
import type { ProviderRegistry } from '../src/providers/registry.js';
import type { ClusterRef, ProviderCluster } from '../src/providers/types.js';
import { step } from './errors.js';

/** Which cluster, on which provider: everything an activity needs to find it. Holds no secret. */
export interface ClusterTarget extends ClusterRef {
  provider: ProviderName;
}

export interface CreateInput {
  spec: ClusterSpec;
  /** From the workflow id and step, so a retried create returns the first one's cluster. */
  idempotencyKey: string;
}

const refOf = ({ name, region, providerId }: ClusterTarget): ClusterRef => ({
  name,
  region,
  ...(providerId ? { providerId } : {}),
});

/** Provider calls: thin wrappers that only add error mapping and heartbeats. */
export function lifecycleActivities(providers: ProviderRegistry) {
  return {
    async createCluster({ spec, idempotencyKey }: CreateInput): Promise<ProviderCluster> {
      return step(spec.name, 'creating the cluster', () =>
        providers.get(spec.provider).create({
          name: spec.name,
          region: spec.region,
          labels: spec.labels,
          idempotencyKey,
          ...(spec.kubernetesVersion ? { kubernetesVersion: spec.kubernetesVersion } : {}),
        }),
      );
    },

    async describeCluster(target: ClusterTarget): Promise<ProviderCluster> {
      return step(target.name, 'describing the cluster', () => providers.get(target.provider).describe(refOf(target)));
    },

    async deleteCluster(target: ClusterTarget): Promise<ProviderCluster> {
      const beat = setInterval(() => Context.current().heartbeat('deleting'), 5_000);
      try {
        return await step(target.name, 'deleting the cluster', () => providers.get(target.provider).delete(refOf(target)));
      } finally {
        clearInterval(beat);
      }
    },
  };
}
