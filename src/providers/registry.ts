import type { ProviderAccount } from '../domain/cluster/accounts.js';
import type { ProviderName } from '../domain/cluster/spec.js';
import { PermanentError } from '../errors.js';
import { tracedProvider } from './traced.js';
import type { ClusterProvider } from './types.js';

/** Builds the provider for one configured account (or the environment's default when undefined). */
export type ProviderFactory = (account: ProviderAccount | undefined) => ClusterProvider;

export interface RegistryOptions {
  accounts?: readonly ProviderAccount[];
  factories?: Partial<Record<ProviderName, ProviderFactory>>;
}

/**
 * The providers a worker serves: fixed instances by name (local), and per-account instances
 * built on first use from the config's accounts. A cluster names its provider and, optionally,
 * an account; without one, the provider's only account or its environment default is used.
 */
export class ProviderRegistry {
  private readonly fixed = new Map<ProviderName, ClusterProvider>();
  private readonly built = new Map<string, ClusterProvider>();
  private readonly accounts: readonly ProviderAccount[];
  private readonly factories: Partial<Record<ProviderName, ProviderFactory>>;

  constructor(providers: ClusterProvider[], opts: RegistryOptions = {}) {
    for (const p of providers) this.fixed.set(p.name, p);
    this.accounts = opts.accounts ?? [];
    this.factories = opts.factories ?? {};
  }

  /** The provider for a cluster (its calls traced, see tracedProvider); PermanentError naming what is missing when none fits. */
  get(name: ProviderName, account?: string): ClusterProvider {
    return tracedProvider(this.untraced(name, account));
  }

  private untraced(name: ProviderName, account?: string): ClusterProvider {
    const fixed = this.fixed.get(name);
    if (fixed && !account) return fixed;
    const factory = this.factories[name];
    if (!factory) {
      const served = [...new Set([...this.fixed.keys(), ...(Object.keys(this.factories) as ProviderName[])])];
      throw new PermanentError(`provider ${name} is not configured on this worker (has: ${served.join(', ') || 'none'})`, 'ProviderNotConfigured');
    }
    const chosen = this.account(name, account);
    const key = `${name}/${chosen?.name ?? ''}`;
    let p = this.built.get(key);
    if (!p) {
      p = factory(chosen);
      this.built.set(key, p);
    }
    return p;
  }

  private account(name: ProviderName, wanted: string | undefined): ProviderAccount | undefined {
    const ofProvider = this.accounts.filter((a) => a.provider === name);
    if (wanted) {
      const found = ofProvider.find((a) => a.name === wanted);
      if (!found) {
        const known = ofProvider.map((a) => a.name).join(', ') || 'none';
        throw new PermanentError(`account ${wanted} of provider ${name} is not in the worker's config (configured: ${known})`, 'AccountNotConfigured');
      }
      return found;
    }
    return ofProvider.length === 1 ? ofProvider[0] : undefined;
  }
}
