import type { Client } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { createApi } from '../../src/api/app.js';
import { DEFAULT_ACCESS_POLICY } from '../../src/domain/auth/policy.js';
import { parsePrometheusText, value } from '../../src/telemetry/prom-text.js';
import { silentApiLogger } from '../helpers/api-logger.js';

const app = () =>
  createApi({
    client: {} as Client,
    namespace: 'fleetflow',
    taskQueue: 'fleetflow',
    access: DEFAULT_ACCESS_POLICY,
    authenticate: async () => ({ ok: false, status: 401, reason: 'no token', wwwAuthenticate: 'Bearer' }),
    uiBaseUrl: 'http://127.0.0.1:8233',
    logger: silentApiLogger,
  });

describe('the API /metrics', () => {
  it('counts requests by route template (never the ids in the path), method and status, and times them, without a token', async () => {
    const api = app();
    await api.request('/v1/changes/servicenow/CHG1');
    await api.request('/v1/changes/jira/CHG2');
    await api.request('/openapi.json');
    await api.request('/no/such/route');
    const res = await api.request('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const scrape = parsePrometheusText(await res.text());
    const requests = scrape.samples.filter((s) => s.name === 'fleetflow_api_http_requests_total').map((s) => `${s.labels.method} ${s.labels.route} ${s.labels.status} = ${s.value}`).sort();
    expect(requests).toEqual(['GET /openapi.json 200 = 1', 'GET /v1/changes/:system/:ticketId 401 = 2', 'GET unmatched 404 = 1']);
    expect(value(scrape, 'fleetflow_api_http_request_duration_seconds_count', { route: '/v1/changes/:system/:ticketId', method: 'GET' })).toBe(2);
    expect(scrape.types.get('fleetflow_api_http_request_duration_seconds')).toBe('histogram');
  });
});
