import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import type { ClientOptions } from '@temporalio/client';

/**
 * The client interceptor that puts the caller's trace into the headers of every workflow start,
 * signal, update and query, so the worker's spans join it. Only when tracing is configured
 * (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT); otherwise nothing.
 */
export function clientTracingInterceptors(env: NodeJS.ProcessEnv = process.env): Pick<ClientOptions, 'interceptors'> {
  if (!env.OTEL_EXPORTER_OTLP_ENDPOINT && !env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return {};
  return { interceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor()] } };
}
