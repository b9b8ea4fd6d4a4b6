import type { ProviderAccount } from '../domain/cluster/accounts.js';
import type { ProviderName } from '../domain/cluster/spec.js';
import { externalProviderFor } from './external/index.js';
import { lazyProvider } from './lazy.js';
import { LocalProvider } from './local/index.js';
import { ProviderRegistry, type ProviderFactory } from './registry.js';

/**
 * Every provider a process serves from its configuration: the local one always, cloud and
 * external ones per configured account (built on first use, so a worker or CLI without AWS or
 * Google settings starts). The EKS and GKE modules, and their SDKs, are imported on a
 * provider's first call, not at start (see lazyProvider). The worker runs activities with it;
 * the CLI asks it for kubeconfigs.
 */
export function buildProviders(config: { dataDir: string; accounts: readonly ProviderAccount[] }): ProviderRegistry {
  const factories: Partial<Record<ProviderName, ProviderFactory>> = {
    eks: (account) => lazyProvider('eks', async () => new (await import('./eks/index.js')).EksProvider(account?.provider === 'eks' ? { account } : {})),
    gke: (account) => lazyProvider('gke', async () => (await import('./gke/index.js')).GkeProvider.fromAccount(account?.provider === 'gke' ? account : undefined)),
    external: externalProviderFor,
  };
  return new ProviderRegistry([new LocalProvider({ dataDir: config.dataDir })], { accounts: config.accounts, factories });
}
