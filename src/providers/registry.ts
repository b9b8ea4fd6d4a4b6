import type { ProviderName } from '../domain/cluster-spec.js';
import { PermanentError } from '../errors.js';
import type { ClusterProvider } from './types.js';

/** The providers a worker serves, by name. */
export class ProviderRegistry {
  private readonly byName = new Map<ProviderName, ClusterProvider>();

  constructor(providers: ClusterProvider[]) {
    for (const p of providers) this.byName.set(p.name, p);
  }

  get(name: ProviderName): ClusterProvider {
    const p = this.byName.get(name);
    if (!p) {
      throw new PermanentError(`provider ${name} is not configured on this worker (has: ${[...this.byName.keys()].join(', ')})`, 'ProviderNotConfigured');
    }
    return p;
  }
}
