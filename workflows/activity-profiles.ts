import { ActivityFailure, ApplicationFailure, TimeoutFailure, proxyActivities, type ActivityInterfaceFor, type ActivityOptions } from '@temporalio/workflow';
import { isAgentActivity } from '../src/domain/cluster/agent-activities.js';
import { AgentRouteSchema, type AgentRoute } from '../src/domain/cluster/target.js';
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

/**
 * The activities of a profile, routed by their input's target: a cluster-touching activity
 * (src/domain/cluster/agent-activities.ts) whose target names an agent goes to the agent's task
 * queue, and must be picked up within the cluster's offlineAfter; everything else, and every
 * direct cluster, goes where it always went (the workflow's own queue, the same commands as
 * before agents existed). This is the one place routing happens: workflows just pass targets.
 */
function routed(options: ActivityOptions): ActivityInterfaceFor<FleetActivities> {
  const direct = proxyActivities<FleetActivities>(options);
  return new Proxy(direct, {
    get(target, name, receiver) {
      const call = Reflect.get(target, name, receiver) as (input: unknown) => Promise<unknown>;
      if (typeof name !== 'string' || !isAgentActivity(name)) return call;
      return (input: unknown) => {
        const route = routeOf(input);
        if (!route) return call(input);
        const viaAgent = proxyActivities<Record<string, (input: unknown) => Promise<unknown>>>({
          ...options,
          taskQueue: route.taskQueue,
          scheduleToStartTimeout: route.offlineAfterMs,
        });
        return viaAgent[name]!(input).catch((err: unknown) => {
          throw agentOffline(err, clusterOf(input), route) ?? err;
        });
      };
    },
  });
}

/** The agent route of an activity input (`{target}`, or a target itself), when it has a valid one. */
function routeOf(input: unknown): AgentRoute | undefined {
  const t = (input as { target?: unknown } | undefined)?.target ?? input;
  const parsed = AgentRouteSchema.safeParse((t as { agent?: unknown } | undefined)?.agent);
  return parsed.success ? parsed.data : undefined;
}

function clusterOf(input: unknown): string {
  const t = ((input as { target?: unknown } | undefined)?.target ?? input) as { name?: unknown } | undefined;
  return typeof t?.name === 'string' ? t.name : '?';
}

/**
 * An activity no agent picked up in time becomes AgentOffline: non-retryable at this step (the
 * server does not retry a schedule-to-start timeout anyway); the operation's own policy (a
 * rollout's budget, the entity's next check) decides what follows.
 */
function agentOffline(err: unknown, cluster: string, route: AgentRoute): ApplicationFailure | undefined {
  if (!(err instanceof ActivityFailure) || !(err.cause instanceof TimeoutFailure) || err.cause.timeoutType !== 'SCHEDULE_TO_START') return undefined;
  return ApplicationFailure.nonRetryable(
    `cluster ${cluster}: AgentOffline: no agent picked up ${err.activityType} on task queue ${route.taskQueue} within ${Math.round(route.offlineAfterMs / 1000)} s`,
    'AgentOffline',
  );
}

export const quick = routed(quickCall);
export const cloud = routed(cloudCall);
export const probe = routed(healthProbe);
export const long = routed(longWork);
export const drain = routed(drainWork);
