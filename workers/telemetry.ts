import { createRequire } from 'node:module';
import { Runtime, type WorkerOptions } from '@temporalio/worker';
import { METRICS, type MetricDef } from '../src/domain/telemetry/metrics.js';
import { LineLogger } from '../src/telemetry/log-format.js';
import type { Tracing } from '../src/telemetry/tracing.js';
import { activityTelemetry } from './activity-telemetry.js';

// The SDK's OpenTelemetry interceptors are required only when tracing runs (see workerTelemetryOptions).
const require = createRequire(import.meta.url);

/**
 * The SDK runtime of a worker process: log lines through LineLogger (JSON, or human on a
 * terminal) and, when `metricsAddress` is set, the Prometheus endpoint (GET /metrics) that
 * serves the SDK's metrics and Fleetflow's own. Counters carry `_total` and durations are in
 * seconds, as Prometheus users expect. Fails when the address is taken, naming the variable.
 */
export function installWorkerRuntime(metricsAddress: string | undefined): LineLogger {
  const logger = new LineLogger({ base: { service: 'fleetflow-worker' } });
  const buckets = Object.fromEntries(Object.values(METRICS).flatMap((m: MetricDef) => (m.buckets && m.source === 'worker' ? [[m.name, [...m.buckets]]] : [])));
  try {
    Runtime.install({
      logger,
      ...(metricsAddress
        ? { telemetryOptions: { metrics: { prometheus: { bindAddress: metricsAddress, countersTotalSuffix: true, useSecondsForDurations: true, histogramBucketOverrides: buckets } } } }
        : {}),
    });
  } catch (e) {
    throw new Error(`FLEETFLOW_METRICS_ADDRESS: cannot serve metrics on ${metricsAddress}: ${e instanceof Error ? e.message : String(e)} (set another host:port, or "off")`);
  }
  return logger;
}

/**
 * Interceptors and sinks of a Fleetflow worker: operation counts in workflow code, activity
 * telemetry (failures by type, cluster and operation on spans and logs), and, when tracing
 * runs, the SDK's OpenTelemetry interceptors (outermost, so Fleetflow's sees their span) with
 * the sink that exports workflow spans. `workflowModules` is what workflowCode() (bundle.ts)
 * says: none when the prebuilt bundle already holds them.
 */
export function workerTelemetryOptions(tracing: Tracing | undefined, workflowModules: string[]): Pick<WorkerOptions, 'interceptors' | 'sinks'> {
  if (!tracing) return { interceptors: { workflowModules, activity: [activityTelemetry] } };
  const { makeWorkflowExporter, OpenTelemetryActivityInboundInterceptor, OpenTelemetryActivityOutboundInterceptor } = require('@temporalio/interceptors-opentelemetry') as typeof import('@temporalio/interceptors-opentelemetry');
  return {
    interceptors: {
      workflowModules,
      activity: [
        (ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx), outbound: new OpenTelemetryActivityOutboundInterceptor(ctx) }),
        activityTelemetry,
      ],
    },
    sinks: { exporter: makeWorkflowExporter(tracing.spanProcessor, tracing.resource) },
  };
}
