import type { FleetflowConfig } from '../src/config.js';
import { EksProvider } from '../src/providers/eks/index.js';
import { externalProviderFor } from '../src/providers/external/index.js';
import { GkeProvider } from '../src/providers/gke/index.js';
import { LocalProvider } from '../src/providers/local/index.js';
import { ProviderRegistry, type ProviderFactory } from '../src/providers/registry.js';
import type { ProviderName } from '../src/domain/cluster/spec.js';

/**
 * Every provider this worker serves: the local one always, cloud and external ones per
 * configured account (built on first use, so a worker without AWS or Google settings starts).
 */
export function buildProviders(config: FleetflowConfig): ProviderRegistry {
  const factories: Partial<Record<ProviderName, ProviderFactory>> = {
    eks: (account) => new EksProvider(account?.provider === 'eks' ? { account } : {}),
    gke: (account) => GkeProvider.fromAccount(account?.provider === 'gke' ? account : undefined),
    external: externalProviderFor,
  };
  return new ProviderRegistry([new LocalProvider({ dataDir: config.dataDir })], { accounts: config.accounts, factories });
}
