import type { OpenAPIHono } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import { Counter, Histogram, Registry } from 'prom-client';
import { exportedNames, METRICS } from '../domain/telemetry/metrics.js';
import type { ApiEnv } from './app-env.js';

/**
 * The API's own HTTP metrics (prom-client, one registry per app): requests by route template,
 * method and status, and a latency histogram by route template and method. The route is the
 * template (`/v1/changes/:system/:id`), never the path, so ids and tickets do not become
 * labels; a request no route matched is `unmatched`.
 *
 * `GET /metrics` needs no token: Prometheus scrapes without one, and what it shows is counts
 * per route template, nothing of any change, cluster or caller. The API listens on loopback
 * unless configured otherwise; where it listens wider, keep /metrics to the scraper's network
 * (a proxy or network policy) as for any metrics port.
 */
export function registerApiMetrics(app: OpenAPIHono<ApiEnv>): void {
  const registry = new Registry();
  const requests = new Counter({
    // prom-client writes a counter's name as given: the _total is ours, as on the worker.
    name: exportedNames(METRICS.apiRequests)[0]!,
    help: METRICS.apiRequests.help,
    labelNames: [...METRICS.apiRequests.labels],
    registers: [registry],
  });
  const duration = new Histogram({
    name: METRICS.apiDuration.name,
    help: METRICS.apiDuration.help,
    labelNames: [...METRICS.apiDuration.labels],
    buckets: [...(METRICS.apiDuration.buckets ?? [])],
    registers: [registry],
  });
  const measure: MiddlewareHandler<ApiEnv> = async (c, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      const route = [...matchedRoutes(c)].reverse().find((r) => r.method !== 'ALL')?.path ?? 'unmatched';
      const method = c.req.method;
      requests.inc({ route, method, status: String(c.res.status) });
      duration.observe({ route, method }, (performance.now() - started) / 1000);
    }
  };
  app.use('*', measure);
  app.get('/metrics', async (c) => c.body(await registry.metrics(), 200, { 'content-type': registry.contentType }));
}
