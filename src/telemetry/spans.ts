import { context, createContextKey, SpanKind, SpanStatusCode, type Attributes } from '@opentelemetry/api';
import { tracer } from './tracing.js';

/** What an activity works on, for the spans and logs of the calls it makes. */
export interface TelemetryScope {
  cluster?: string;
  /** The workflow type the activity runs for, e.g. provisionCluster. */
  operation?: string;
  activity?: string;
}

const SCOPE = createContextKey('fleetflow.scope');

/** Runs `fn` with `scope` current (async-local, like the active span). */
export function withTelemetryScope<T>(scope: TelemetryScope, fn: () => Promise<T>): Promise<T> {
  return context.with(context.active().setValue(SCOPE, scope), fn);
}

/** The scope of the activity this code runs in, if any. */
export function currentScope(): TelemetryScope {
  return (context.active().getValue(SCOPE) as TelemetryScope | undefined) ?? {};
}

function scopeAttributes(): Attributes {
  const s = currentScope();
  return {
    ...(s.cluster ? { 'fleetflow.cluster': s.cluster } : {}),
    ...(s.operation ? { 'fleetflow.operation': s.operation } : {}),
  };
}

/**
 * One outgoing HTTP call to a Kubernetes API server as a client span: method, server, path
 * template-free path and status, plus the cluster and operation of the activity making it. No
 * headers or bodies are recorded (they carry tokens and manifests).
 */
export function kubeSpan<T extends { status: number }>(method: string, url: URL, call: () => Promise<T>): Promise<T> {
  return tracer().startActiveSpan(
    `kube ${method}`,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'http.request.method': method,
        'server.address': url.hostname,
        'server.port': Number(url.port || 443),
        'url.path': url.pathname,
        ...scopeAttributes(),
      },
    },
    async (span) => {
      try {
        const res = await call();
        span.setAttribute('http.response.status_code', res.status);
        return res;
      } catch (err) {
        const status = (err as { code?: unknown }).code;
        if (typeof status === 'number') span.setAttribute('http.response.status_code', status);
        span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
        throw err;
      } finally {
        span.end();
      }
    },
  );
}

/** A provider (cloud API) call as a client span: `provider <name>.<method>` with the cluster it is about. */
export function providerSpan<T>(provider: string, method: string, cluster: string | undefined, call: () => Promise<T>): Promise<T> {
  return tracer().startActiveSpan(
    `provider ${provider}.${method}`,
    {
      kind: SpanKind.CLIENT,
      attributes: { 'fleetflow.provider': provider, 'fleetflow.provider.method': method, ...scopeAttributes(), ...(cluster ? { 'fleetflow.cluster': cluster } : {}) },
    },
    async (span) => {
      try {
        return await call();
      } catch (err) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
        throw err;
      } finally {
        span.end();
      }
    },
  );
}
