import { createRequire } from 'node:module';
import type { ApiException } from '@kubernetes/client-node';

type KubeLibrary = typeof import('@kubernetes/client-node');
const require = createRequire(import.meta.url);
let loaded: KubeLibrary | undefined;

/**
 * @kubernetes/client-node, loaded on first use rather than when the worker starts: it is about
 * 870 modules (17 MB of JavaScript), the largest part of a built worker's start, and a worker
 * needs it only once an activity talks to a cluster. require() of the ES module is synchronous
 * and returns the same instance as `import`, so `instanceof` agrees with code that imports it.
 */
export function kube(): KubeLibrary {
  return (loaded ??= require('@kubernetes/client-node') as KubeLibrary);
}

/** `e instanceof ApiException` (the library is loaded by the check, once). */
export function isApiException(e: unknown): e is ApiException<unknown> {
  return e instanceof kube().ApiException;
}

/** client-node's ApiException, as its own calls throw it (so src/kube/errors.ts maps both alike). */
export function apiException(code: number, message: string, body: unknown, headers: Record<string, string>): ApiException<unknown> {
  return new (kube().ApiException)(code, message, body, headers);
}
