import { z } from 'zod';
import './index.js';

/**
 * The worker's preloaded module (`preloadModules`, see workers/bundle.ts): evaluated once per
 * workflow thread, and shared by every run on it, instead of once per run.
 *
 * Why: the SDK gives each run its own module scope, so without this every cached run builds
 * all of src/domain's zod schemas and zod itself again: about 3.2 MB a run, the bulk of a
 * worker's memory with thousands of cluster entities cached, and CPU on every run's first task.
 * Shared, a run costs about what the SDK alone costs (test/bench/run-memory.ts).
 *
 * Why it is safe: nothing in these modules holds per-run state. Their module scope is constant
 * data, schemas and functions; the one cache (time-zone formatters, src/domain/time) is keyed by
 * zone and gives every run the same answer.
 *
 * The freeze: the SDK deep-freezes what shared modules export, so a run cannot change what
 * another run sees. zod writes into its schemas as they are used (memoised parsers, lazily
 * bound methods, `lastIndex` on their regular expressions), and a deep-frozen schema fails its
 * first parse. The freeze skips objects that are already frozen; so, before it, every schema the
 * modules export is shallowly frozen here, after its lazy members are filled in. Its own
 * properties are then fixed, as the freeze wants, and only zod's internals stay writable.
 */

// zod fills its global configuration (the locale, the memoizer) on its first construction;
// that must happen here, not in a run, after the freeze has made the configuration read-only.
z.object({});

/** webpack's table of the bundle's modules (a webpack "module variable"): their ids. */
declare const __webpack_modules__: Record<string, unknown>;
/**
 * The module cache of the SDK's reusable context: its bundler points webpack's cache at this
 * global, and before any run exists it answers the shared modules. (webpack's own `require.cache`
 * is not there in the built worker, whose workflow code is ES modules.)
 */
const moduleCache = (globalThis as { __webpack_module_cache__?: Record<string, { exports?: unknown } | undefined> }).__webpack_module_cache__;

/** Reads every lazily installed member (bound methods, derived values) so it becomes an own property, then freezes the schema itself. */
function settle(schema: object): void {
  for (let proto: object | null = Object.getPrototypeOf(schema); proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    for (const [key, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(proto))) {
      if (!descriptor.get) continue;
      try {
        void (schema as Record<string, unknown>)[key];
      } catch {
        // A member that does not apply to this kind of schema; nothing is installed.
      }
    }
  }
  Object.freeze(schema);
}

/** Settles every schema reachable from `value` the way the SDK's freeze walks it: own properties, not into functions. */
function settleSchemas(value: unknown, seen: WeakSet<object>): number {
  if (value === null || typeof value !== 'object' || seen.has(value)) return 0;
  seen.add(value);
  if (value instanceof z.core.$ZodType) {
    settle(value);
    return 1;
  }
  let settled = 0;
  for (const key of Reflect.ownKeys(value)) {
    let child: unknown;
    try {
      child = (value as Record<PropertyKey, unknown>)[key];
    } catch {
      continue;
    }
    settled += settleSchemas(child, seen);
  }
  return settled;
}

const seen = new WeakSet<object>();
let settled = 0;
for (const id of moduleCache ? Object.keys(__webpack_modules__) : []) {
  const loaded = moduleCache?.[id];
  if (loaded) settled += settleSchemas(loaded.exports, seen);
}
// Without the SDK's module cache nothing above ran and every run's first parse would fail: say so here.
if (settled === 0) throw new Error('workflows/shared-modules: found no zod schema to settle; is the module cache reachable?');
