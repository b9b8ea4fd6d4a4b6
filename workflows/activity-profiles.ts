import { proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import type { FleetActivities } from '../activities/index.js';
import { NON_RETRYABLE_TYPES } from '../src/domain/failure-types.js';
import { DeliveryPolicySchema, type DeliveryPolicy } from '../src/domain/change/callbacks-input.js';

// One options profile per kind of call, declared once. Each stops retrying at once on the
// non-retryable types of the failure table (src/domain/failure-types.ts) and retries the rest.

/** A single API call: seconds, retried with backoff on transient faults. */
const quickCall: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 10,
    nonRetryableErrorTypes: [...NON_RETRYABLE_TYPES],
  },
};

/**
 * A call to a cloud provider's API (create, describe, upgrade, poll a change). Its errors are
 * classified, so what reaches a retry is transient (throttling, 5xx, timeouts, a busy cluster):
 * retried for as long as an outage plausibly lasts, not a fixed count. Ten attempts are over in
 * 2.5 minutes, and one attempt makes several API calls, so a flaky API used to fail an upgrade
 * midway; a permanent error still fails at once.
 */
const { maximumAttempts: _, ...unbounded } = quickCall.retry!;
const cloudCall: ActivityOptions = {
  startToCloseTimeout: '60 seconds',
  scheduleToCloseTimeout: '20 minutes',
  retry: unbounded,
};

/** Work that may take minutes (applying a bundle, stopping processes); heartbeats prove progress. */
const longWork: ActivityOptions = {
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { ...quickCall.retry, maximumAttempts: 5 },
};

/**
 * Draining a node: waits on PodDisruptionBudgets and pod termination for up to half an hour,
 * heartbeating each round; a stalled worker is noticed within the heartbeat timeout. Few
 * attempts: a drain that timed out fails non-retryable (DrainTimedOut) and the workflow decides.
 */
const drainWork: ActivityOptions = {
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { ...quickCall.retry, maximumAttempts: 3 },
};

/**
 * The entity's periodic health check: bounded tightly, because a claim waits for nothing but
 * it must not pile up checks; an unreachable cluster is a verdict, not a retry.
 */
const healthProbe: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { ...quickCall.retry, maximumAttempts: 2 },
};

/**
 * Delivering a signed callback: one POST per attempt, retried with backoff for hours (a change
 * system down for a night still gets every event), then given up. These are the defaults of
 * DeliveryPolicySchema; the callbacks workflow builds its options with callbackDeliveryOptions.
 */
const callbackDelivery: ActivityOptions = callbackDeliveryOptions(DeliveryPolicySchema.parse({}));

/** The delivery options of a callbacks workflow's policy (its input may shorten them for tests). */
export function callbackDeliveryOptions(p: DeliveryPolicy): ActivityOptions {
  return {
    // The POST's own timeout plus time to resolve the secret and report back.
    startToCloseTimeout: p.requestTimeout + 10_000,
    scheduleToCloseTimeout: p.giveUpAfter,
    retry: {
      initialInterval: p.initialInterval,
      backoffCoefficient: p.backoffCoefficient,
      maximumInterval: p.maximumInterval,
      nonRetryableErrorTypes: [...NON_RETRYABLE_TYPES],
    },
  };
}

/** Every profile by name (the failure table's test checks their retry policies). */
export const ACTIVITY_PROFILES: Readonly<Record<string, ActivityOptions>> = { quickCall, cloudCall, longWork, drainWork, healthProbe, callbackDelivery };

export const quick = proxyActivities<FleetActivities>(quickCall);
export const cloud = proxyActivities<FleetActivities>(cloudCall);
export const probe = proxyActivities<FleetActivities>(healthProbe);
export const long = proxyActivities<FleetActivities>(longWork);
export const drain = proxyActivities<FleetActivities>(drainWork);
