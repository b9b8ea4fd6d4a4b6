import type { FailureType, NonRetryableFailureType, RetryableFailureType } from './domain/failure-types.js';

/**
 * The typed errors of Fleetflow. Each carries a type name from the failure table
 * (src/domain/failure-types.ts: what retry policies and users match on) and whether retrying
 * can help; activities turn them into ApplicationFailures in one place.
 */
export class FleetflowError extends Error {
  constructor(
    message: string,
    /** Stable name, e.g. "UnsupportedVersion"; becomes the ApplicationFailure type. */
    readonly type: FailureType,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = type;
  }
}

/** Input that can never succeed: bad spec, unknown version, missing permission. */
export class PermanentError extends FleetflowError {
  constructor(message: string, type: NonRetryableFailureType, options?: { cause?: unknown }) {
    super(message, type, false, options);
  }
}

/** A passing fault (network, throttling, 5xx, a server still starting): retry with backoff. */
export class TransientError extends FleetflowError {
  constructor(message: string, type: RetryableFailureType = 'Transient', options?: { cause?: unknown }) {
    super(message, type, true, options);
  }
}

export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
