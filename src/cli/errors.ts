/** A mistake of the user's (bad flag, bad file): printed as one line, exit code 2, no stack. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Something the user can fix by doing something else first (e.g. start the dev server): exit 1. */
export class CommandError extends Error {
  override name = 'CommandError';
}
