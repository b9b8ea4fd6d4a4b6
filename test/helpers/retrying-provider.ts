import { FleetflowError } from '../../src/errors.js';
import type { ClusterProvider } from '../../src/providers/types.js';

/**
 * A provider whose calls are retried the way Temporal retries activities: retryable errors
 * (and unknown ones) again after a short backoff, permanent ones at once. For fault tests
 * that call a provider directly, without a worker.
 */
export function retrying(provider: ClusterProvider, opts: { attempts?: number; delayMs?: number } = {}): ClusterProvider & { retries: number } {
  const attempts = opts.attempts ?? 10;
  const delayMs = opts.delayMs ?? 100;
  const stats = { retries: 0 };
  return new Proxy(provider, {
    get(target, prop, receiver) {
      if (prop === 'retries') return stats.retries;
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        for (let i = 1; ; i++) {
          try {
            return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          } catch (e) {
            if ((e instanceof FleetflowError && !e.retryable) || i >= attempts) throw e;
            stats.retries++;
            await new Promise((r) => setTimeout(r, delayMs * Math.min(2 ** (i - 1), 8)));
          }
        }
      };
    },
  }) as ClusterProvider & { retries: number };
}
