import { SpanStatusCode } from '@opentelemetry/api';
import { startTracing, tracer } from './tracing.js';

/**
 * Runs one CLI command as the root span of its trace (`fleetflow clusters provision`) when
 * tracing is configured, so the workflow it starts, its activities and their Kubernetes and
 * cloud calls are one trace; flushes the spans before the command returns. Only the command
 * words name the span: arguments and flags may carry secrets.
 */
export async function tracedCommand(argv: readonly string[], run: () => Promise<number>): Promise<number> {
  const tracing = startTracing('fleetflow-cli');
  if (!tracing) return run();
  const words = argv.slice(0, 2).filter((a) => /^[a-z][a-z-]*$/.test(a));
  try {
    return await tracer().startActiveSpan(['fleetflow', ...words].join(' '), async (span) => {
      try {
        const code = await run();
        span.setAttribute('process.exit.code', code);
        if (code !== 0) span.setStatus({ code: SpanStatusCode.ERROR });
        return code;
      } finally {
        span.end();
      }
    });
  } finally {
    await tracing.shutdown();
  }
}
