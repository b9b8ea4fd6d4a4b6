import type { Client } from '@temporalio/client';
import type { LogMetadata } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import type { ApiLogger } from '../../src/api/access-log.js';
import { createApi } from '../../src/api/app.js';
import { DEFAULT_ACCESS_POLICY } from '../../src/domain/auth/policy.js';

const TOKEN = 'ffat_access-log-test-secret';

/** Every line the API logs, with its level. */
function collector() {
  const lines: { level: string; msg: string; meta: LogMetadata }[] = [];
  const at = (level: string) => (msg: string, meta: LogMetadata = {}) => void lines.push({ level, msg, meta });
  const logger: ApiLogger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return { lines, logger };
}

const app = (logger: ApiLogger) =>
  createApi({
    // No Temporal behind it: a route that reaches the client fails unexpectedly, which is logged too.
    client: {} as Client,
    namespace: 'fleetflow',
    taskQueue: 'fleetflow',
    access: DEFAULT_ACCESS_POLICY,
    authenticate: async (header) =>
      header === `Bearer ${TOKEN}` ? { ok: true, principal: { kind: 'token', subject: 'ci-pipeline', groups: [] } } : { ok: false, status: 401, reason: 'no token', wwwAuthenticate: 'Bearer' },
    uiBaseUrl: 'http://127.0.0.1:8233',
    logger,
  });

describe('the API access log', () => {
  it('writes one line per request with route template, status, duration and who asked, never the token', async () => {
    const { lines, logger } = collector();
    const api = app(logger);
    await api.request('/v1/changes/servicenow/CHG1');
    await api.request('/v1/changes/servicenow/CHG2?state=Running', { headers: { authorization: `Bearer ${TOKEN}` } });
    await api.request('/metrics');

    const requests = lines.filter((l) => l.msg === 'request');
    expect(requests.map((l) => [l.level, l.meta.route, l.meta.path, l.meta.status, l.meta.subject])).toEqual([
      ['info', '/v1/changes/:system/:ticketId', '/v1/changes/servicenow/CHG1', 401, undefined],
      ['info', '/v1/changes/:system/:ticketId', '/v1/changes/servicenow/CHG2', 500, 'ci-pipeline'],
      // Scrapes would drown the rest: they log at debug.
      ['debug', '/metrics', '/metrics', 200, undefined],
    ]);
    for (const l of requests) expect(l.meta.durationMs).toBeGreaterThanOrEqual(0);
    // The 500 (no Temporal behind this app) is also logged as an error with its cause.
    expect(lines.filter((l) => l.level === 'error')).toEqual([
      expect.objectContaining({ msg: 'request failed unexpectedly', meta: expect.objectContaining({ method: 'GET', path: '/v1/changes/servicenow/CHG2' }) }),
    ]);
    expect(JSON.stringify(lines)).not.toContain(TOKEN);
    expect(JSON.stringify(lines)).not.toContain('state=Running');
  });
});
