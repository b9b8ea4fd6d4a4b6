import { Context } from '@temporalio/activity';
import { gkeOptionsOf } from '../src/domain/cluster/gke-options.js';
import type { ClusterSpec, NodePoolSpec } from '../src/domain/cluster/spec.js';
import type { ProviderRegistry } from '../src/providers/registry.js';
import type { ProviderChange, ProviderCluster, ProviderNodePool, UpgradeRequest } from '../src/providers/types.js';
import { refOf, type ClusterTarget } from '../src/domain/cluster/target.js';
import { step } from './errors.js';

export interface CreateInput {
  spec: ClusterSpec;
  /** From the workflow id and step, so a retried create returns the first one's cluster. */
  idempotencyKey: string;
}

export interface NodePoolsInput {
  target: ClusterTarget;
  pools: NodePoolSpec[];
  idempotencyKey: string;
}

export interface UpgradeInput {
  target: ClusterTarget;
  request: UpgradeRequest;
  /** For node-pool upgrades: which pool. */
  pool?: string;
}

/** Provider calls: thin wrappers that only add error mapping and heartbeats. */
export function lifecycleActivities(providers: ProviderRegistry) {
  const providerOf = (t: ClusterTarget) => providers.get(t.provider, t.account);
  return {
    async createCluster({ spec, idempotencyKey }: CreateInput): Promise<ProviderCluster> {
      return step(spec.name, 'creating the cluster', () =>
        providers.get(spec.provider, spec.account).create({
          name: spec.name,
          region: spec.region,
          labels: spec.labels,
          idempotencyKey,
          ...(spec.kubernetesVersion ? { kubernetesVersion: spec.kubernetesVersion } : {}),
          ...(spec.account ? { account: spec.account } : {}),
          ...(spec.nodePools.length ? { nodePools: spec.nodePools } : {}),
          ...(spec.provider === 'gke' ? { gke: gkeOptionsOf(spec) } : {}),
        }),
      );
    },

    async describeCluster(target: ClusterTarget): Promise<ProviderCluster> {
      return step(target.name, 'describing the cluster', () => providerOf(target).describe(refOf(target)));
    },

    async createNodePools({ target, pools, idempotencyKey }: NodePoolsInput): Promise<ProviderNodePool[]> {
      return step(target.name, 'creating node pools', () => providerOf(target).createNodePools(refOf(target), pools, idempotencyKey));
    },

    async upgradeControlPlane({ target, request }: UpgradeInput): Promise<ProviderChange> {
      return step(target.name, `upgrading the control plane to ${request.version}`, () =>
        providerOf(target).upgradeControlPlane(refOf(target), request),
      );
    },

    async upgradeNodePool({ target, request, pool }: UpgradeInput): Promise<ProviderChange> {
      return step(target.name, `upgrading node pool ${pool} to ${request.version}`, () =>
        providerOf(target).upgradeNodePool(refOf(target), pool ?? '', request),
      );
    },

    async describeChange({ target, changeId }: { target: ClusterTarget; changeId: string }): Promise<ProviderChange> {
      return step(target.name, `describing change ${changeId}`, () => providerOf(target).describeChange(refOf(target), changeId));
    },

    async deleteCluster(target: ClusterTarget): Promise<ProviderCluster> {
      const beat = setInterval(() => Context.current().heartbeat('deleting'), 5_000);
      try {
        return await step(target.name, 'deleting the cluster', () => providerOf(target).delete(refOf(target)));
      } finally {
        clearInterval(beat);
      }
    },
  };
}
