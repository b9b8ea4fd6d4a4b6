import { createRequire } from 'node:module';
import { trace } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type { SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';

// The OpenTelemetry SDK (exporter, tracer provider, span processor: a few hundred modules) is
// required only when tracing starts: a worker or CLI without an OTLP endpoint never loads it.
const require = createRequire(import.meta.url);

/** The tracer every Fleetflow span comes from (a no-op one until startTracing registers a provider). */
export const tracer = () => trace.getTracer('fleetflow');

/** Tracing of one process, once started: what the Temporal interceptors need, and a flush. */
export interface Tracing {
  resource: Resource;
  spanProcessor: SpanProcessor;
  /** Sends what is buffered and stops; call before the process exits. */
  shutdown(): Promise<void>;
}

/**
 * Starts OpenTelemetry tracing when OTEL_EXPORTER_OTLP_ENDPOINT (or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set, else returns undefined and every span stays a
 * no-op. Spans go by OTLP over HTTP (JSON) to `<endpoint>/v1/traces`; the exporter reads the
 * standard OTEL_EXPORTER_OTLP_* variables (headers, timeout) itself. Registers the provider
 * globally with Node's async-local context, so a span started in an activity is the parent of
 * the Kubernetes calls it makes. `exporter` replaces OTLP (tests).
 */
export function startTracing(serviceName: string, env: NodeJS.ProcessEnv = process.env, exporter?: SpanExporter): Tracing | undefined {
  if (!exporter && !env.OTEL_EXPORTER_OTLP_ENDPOINT && !env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return undefined;
  const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http');
  const { NodeTracerProvider } = require('@opentelemetry/sdk-trace-node') as typeof import('@opentelemetry/sdk-trace-node');
  const { BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base') as typeof import('@opentelemetry/sdk-trace-base');
  const { Resource } = require('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
  const resource = new Resource({ 'service.name': env.OTEL_SERVICE_NAME ?? serviceName });
  // Short batches: a CLI command lives a few seconds, and shutdown() flushes the rest.
  const spanProcessor = new BatchSpanProcessor(exporter ?? new OTLPTraceExporter(), { scheduledDelayMillis: 1_000 });
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  provider.register();
  return {
    resource,
    spanProcessor,
    async shutdown() {
      await provider.shutdown();
    },
  };
}
