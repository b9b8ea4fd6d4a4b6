import { FAILURE_TYPES, isFailureType } from '../domain/failure-types.js';

/** A mistake of the user's (bad flag, bad file): printed as one line, exit code 2, no stack. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Something the user can fix by doing something else first (e.g. start the dev server): exit 1. */
export class CommandError extends Error {
  override name = 'CommandError';
}

/**
 * The exit code for what a command threw: the failure table's code of the innermost typed
 * failure in its cause chain (a CommandError made with `{ cause }` of a failed workflow gets
 * 2 for ClusterProtected, 1 for ClusterBusy), a UsageError's 2, else 1.
 */
export function exitCodeOf(e: unknown): number {
  if (e instanceof UsageError) return FAILURE_TYPES.InvalidInput.exitCode;
  let code = 1;
  for (let cur: unknown = e, depth = 0; cur instanceof Error && depth < 10; cur = cur.cause, depth++) {
    const type = (cur as { type?: unknown }).type;
    if (isFailureType(type)) code = FAILURE_TYPES[type].exitCode;
  }
  return code;
}
