import type { ClusterProvider } from './types.js';
import { providerSpan } from '../telemetry/spans.js';

const traced = new WeakMap<ClusterProvider, ClusterProvider>();

/** The contract's calls (each returns a promise); anything else a provider has passes through. */
const CALLS = new Set<string>(['create', 'describe', 'delete', 'credentials', 'kubeconfig', 'createNodePools', 'upgradeControlPlane', 'upgradeNodePool', 'describeChange']);

/** The cluster a provider call is about: a ClusterRef's name, or a create request's spec.name. */
function clusterOf(arg: unknown): string | undefined {
  const a = arg as { name?: unknown; spec?: { name?: unknown } } | undefined;
  const name = a?.name ?? a?.spec?.name;
  return typeof name === 'string' ? name : undefined;
}

/**
 * The provider with every call of the ClusterProvider contract wrapped in a client span (see
 * providerSpan); other members pass through. One wrapper per provider instance. Spans are
 * no-ops until tracing is started.
 */
export function tracedProvider<P extends ClusterProvider>(provider: P): P {
  const known = traced.get(provider);
  if (known) return known as P;
  const wrapper = new Proxy(provider, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown;
      if (typeof value !== 'function' || typeof key !== 'string' || !CALLS.has(key)) return value;
      return (...args: unknown[]) => providerSpan(target.name, key, clusterOf(args[0]), () => (value as (...a: unknown[]) => Promise<unknown>).apply(target, args));
    },
  });
  traced.set(provider, wrapper);
  return wrapper;
}
