import { createRequire } from 'node:module';
import type { ClientOptions } from '@temporalio/client';

const require = createRequire(import.meta.url);

/**
 * The client interceptor that puts the caller's trace into the headers of every workflow start,
 * signal, update and query, so the worker's spans join it. Only when tracing is configured
 * (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT); otherwise nothing, and the
 * SDK's OpenTelemetry package (with the OpenTelemetry SDK under it) is not even loaded.
 */
export function clientTracingInterceptors(env: NodeJS.ProcessEnv = process.env): Pick<ClientOptions, 'interceptors'> {
  if (!env.OTEL_EXPORTER_OTLP_ENDPOINT && !env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return {};
  const { OpenTelemetryWorkflowClientInterceptor } = require('@temporalio/interceptors-opentelemetry') as typeof import('@temporalio/interceptors-opentelemetry');
  return { interceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor()] } };
}
