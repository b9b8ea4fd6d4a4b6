import type { OpenAPIHono } from '@hono/zod-openapi';
import type { LogMetadata } from '@temporalio/common';
import { matchedRoutes } from 'hono/route';
import type { ApiEnv } from './app-env.js';

/** Where the API writes its lines: the worker's LineLogger in production, a collector in tests. */
export interface ApiLogger {
  debug(message: string, meta?: LogMetadata): void;
  info(message: string, meta?: LogMetadata): void;
  warn(message: string, meta?: LogMetadata): void;
  error(message: string, meta?: LogMetadata): void;
}

/** Scrapes and the reference pages come every few seconds and say nothing about who did what. */
const QUIET_ROUTES = new Set(['/metrics', '/docs', '/openapi.json']);

/**
 * One line per answered request: method, route template, path, status, duration and who asked
 * (the principal's subject and kind, once authenticated). Never a header, a query string or a
 * body, so no token or ticket payload reaches the log. Scrapes and the docs log at debug.
 */
export function registerAccessLog(app: OpenAPIHono<ApiEnv>, logger: ApiLogger): void {
  app.use('*', async (c, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      const route = [...matchedRoutes(c)].reverse().find((r) => r.method !== 'ALL')?.path ?? 'unmatched';
      const principal = c.get('principal');
      const fields: LogMetadata = {
        method: c.req.method,
        route,
        path: new URL(c.req.url).pathname,
        status: c.res.status,
        durationMs: Math.round((performance.now() - started) * 10) / 10,
        ...(principal ? { subject: principal.subject, principalKind: principal.kind } : {}),
      };
      if (QUIET_ROUTES.has(route)) logger.debug('request', fields);
      else logger.info('request', fields);
    }
  });
}
