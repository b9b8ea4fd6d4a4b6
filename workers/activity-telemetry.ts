import { trace } from '@opentelemetry/api';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { FAILURE_TYPES } from '../src/domain/failure-types.js';
import { METRICS } from '../src/domain/telemetry/metrics.js';
import { withTelemetryScope } from '../src/telemetry/spans.js';

/** The cluster an activity input is about: `target.name`, `cluster`, `name` or `spec.name`. */
export function clusterOfInput(input: unknown): string | undefined {
  const a = input as { target?: { name?: unknown }; cluster?: unknown; name?: unknown; spec?: { name?: unknown } } | undefined;
  const name = a?.target?.name ?? a?.cluster ?? a?.name ?? a?.spec?.name;
  return typeof name === 'string' ? name : undefined;
}

/** The failure_type label: a type of the failure table, else Unclassified (labels stay bounded). */
export function failureTypeLabel(err: unknown): string {
  const type = err instanceof ApplicationFailure ? err.type : undefined;
  return type && type in FAILURE_TYPES ? type : 'Unclassified';
}

/**
 * What every activity gets from Fleetflow's telemetry, as the innermost interceptor (after the
 * OpenTelemetry one, whose span is then current): its cluster and operation on that span, in
 * the scope the Kubernetes and provider spans read, and on its log lines; a failed attempt
 * counted by failure type (fleetflow_activity_failures_total; a cancellation is not a failure).
 */
export const activityTelemetry: ActivityInterceptorsFactory = (ctx) => {
  let cluster: string | undefined;
  const operation = ctx.info.workflowType;
  return {
    inbound: {
      async execute(input, next) {
        cluster = clusterOfInput(input.args[0]);
        trace.getActiveSpan()?.setAttributes({ 'fleetflow.operation': operation, ...(cluster ? { 'fleetflow.cluster': cluster } : {}) });
        try {
          return await withTelemetryScope({ ...(cluster ? { cluster } : {}), operation, activity: ctx.info.activityType }, () => next(input));
        } catch (err) {
          if (!(err instanceof CancelledFailure)) {
            const m = METRICS.activityFailures;
            const retryable = !(err instanceof ApplicationFailure && err.nonRetryable);
            ctx.metricMeter.createCounter(m.name, undefined, m.help).add(1, { failure_type: failureTypeLabel(err), retryable: String(retryable) });
          }
          throw err;
        }
      },
    },
    outbound: {
      getLogAttributes(attrs, next) {
        return next({ ...attrs, operation, ...(cluster ? { cluster } : {}) });
      },
    },
  };
};
