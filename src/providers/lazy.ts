import type { ProviderName } from '../domain/cluster/spec.js';
import type { ClusterProvider } from './types.js';

/**
 * A provider whose implementation is imported on its first call: the AWS and Google SDKs are
 * several MB of modules a worker without EKS or GKE clusters never needs at start. A failed
 * load (or a constructor that throws on a bad account) is retried by the next call, as the
 * registry retries a factory that threw.
 */
export function lazyProvider(name: ProviderName, load: () => Promise<ClusterProvider>): ClusterProvider {
  let pending: Promise<ClusterProvider> | undefined;
  const provider = () =>
    (pending ??= load().catch((e: unknown) => {
      pending = undefined;
      throw e;
    }));
  return {
    name,
    create: async (req) => (await provider()).create(req),
    describe: async (ref) => (await provider()).describe(ref),
    delete: async (ref) => (await provider()).delete(ref),
    credentials: async (ref) => (await provider()).credentials(ref),
    kubeconfig: async (ref) => (await provider()).kubeconfig(ref),
    createNodePools: async (ref, pools, key) => (await provider()).createNodePools(ref, pools, key),
    upgradeControlPlane: async (ref, req) => (await provider()).upgradeControlPlane(ref, req),
    upgradeNodePool: async (ref, pool, req) => (await provider()).upgradeNodePool(ref, pool, req),
    describeChange: async (ref, id) => (await provider()).describeChange(ref, id),
  };
}
