import type { z } from 'zod';
import { checkInput } from '../src/domain/validation.js';
import { PermanentError } from '../src/errors.js';
import type { ProviderRegistry } from '../src/providers/registry.js';
import type { ClusterCredentials } from '../src/kube/credentials.js';
import { refOf, type ClusterTarget } from '../src/domain/cluster/target.js';

/** Credentials of a target's API server, resolved on the worker; never returned to a workflow. */
export function credentialsFor(providers: ProviderRegistry, t: ClusterTarget): Promise<ClusterCredentials> {
  return providers.get(t.provider, t.account).credentials(refOf(t));
}

/**
 * Parses an activity input, or throws a non-retryable InvalidInput listing every problem by
 * path: a workflow that built a bad input must learn it at once, not after ten retries.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, root = 'input'): z.output<S> {
  const checked = checkInput(schema, input, root, root);
  if (!checked.ok) throw new PermanentError(checked.message, 'InvalidInput');
  return checked.value;
}

/** The cluster name to put in error messages, even when the input is malformed. */
export function clusterNameOf(input: unknown): string {
  const name = (input as { target?: { name?: unknown } } | undefined)?.target?.name;
  return typeof name === 'string' ? name : '?';
}
