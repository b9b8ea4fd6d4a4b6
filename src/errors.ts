/**
 * The typed errors of Fleetflow. Each carries a type name (what retry policies and users match
 * on) and whether retrying can help; activities turn them into ApplicationFailures in one place.
 */
export class FleetflowError extends Error {
  constructor(
    message: string,
    /** Stable name, e.g. "UnsupportedVersion"; becomes the ApplicationFailure type. */
    readonly type: string,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = type;
  }
}

/** Input that can never succeed: bad spec, unknown version, missing permission. */
export class PermanentError extends FleetflowError {
  constructor(message: string, type: string, options?: { cause?: unknown }) {
    super(message, type, false, options);
  }
}

/** A passing fault (network, throttling, 5xx, a server still starting): retry with backoff. */
export class TransientError extends FleetflowError {
  constructor(message: string, type = 'Transient', options?: { cause?: unknown }) {
    super(message, type, true, options);
  }
}

export function isFleetflowError(e: unknown): e is FleetflowError {
  return e instanceof FleetflowError;
}

export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Prefixes the step that failed, keeping the original as the cause. */
export function wrapStep(step: string, cluster: string, e: unknown): FleetflowError {
  const message = `cluster ${cluster}: ${step}: ${messageOf(e)}`;
  if (e instanceof FleetflowError) return new FleetflowError(message, e.type, e.retryable, { cause: e });
  return new TransientError(message, 'Transient', { cause: e });
}
