import { ApplicationFailure } from '@temporalio/activity';
import { FleetflowError, messageOf } from '../src/errors.js';

/**
 * The one place where errors become Temporal failures: typed Fleetflow errors keep their type
 * and retryability, with the cluster and the step in the message; anything unknown is treated
 * as transient (retried with backoff) because most unexpected errors here are network faults.
 */
export function toFailure(err: unknown, cluster: string, step: string): ApplicationFailure {
  if (err instanceof ApplicationFailure) return err;
  const message = messageOf(err);
  const prefixed = message.startsWith(`cluster ${cluster}`) ? message : `cluster ${cluster}: ${step}: ${message}`;
  if (err instanceof FleetflowError) {
    return ApplicationFailure.create({ message: prefixed, type: err.type, nonRetryable: !err.retryable });
  }
  return ApplicationFailure.create({ message: prefixed, type: 'Transient', nonRetryable: false });
}

/** Runs an activity body, mapping whatever it throws through toFailure. */
export async function step<T>(cluster: string, name: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    throw toFailure(err, cluster, name);
  }
}
