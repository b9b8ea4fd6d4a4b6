import type { Client } from '@temporalio/client';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createApi } from '../../src/api/app.js';
import { requestProblems } from '../../src/api/problem.js';
import { ActionBodySchema, OpenChangeSchema } from '../../src/api/schemas.js';
import { DEFAULT_ACCESS_POLICY } from '../../src/domain/auth/policy.js';
import { silentApiLogger } from '../helpers/api-logger.js';
import { fuzzParams, nearlyValid } from '../helpers/fuzz.js';

// The API's request bodies, fuzzed in-process (app.request, no server): a body the schema
// refuses is a 4xx problem+json naming exactly the schema's fields; one it accepts is never
// refused as input (here it reaches Temporal, which this test does not have: a 500). Raw bytes
// that are not JSON are a 400. Nothing is ever an unexplained crash of the handler.
const TOKEN = 'ffat_fuzz-api-bodies-secret';

/** Any use of Temporal throws: a body that gets this far passed validation. */
const noTemporal: Client = new Proxy(() => undefined, {
  get: (_t, key) => (key === 'then' ? undefined : noTemporal),
  apply: () => {
    throw new Error('no Temporal in this test');
  },
}) as unknown as Client;

const api = createApi({
  client: noTemporal,
  namespace: 'fleetflow',
  taskQueue: 'fleetflow',
  access: DEFAULT_ACCESS_POLICY,
  authenticate: async (header) =>
    header === `Bearer ${TOKEN}` ? { ok: true, principal: { kind: 'token', subject: 'ci', groups: [] } } : { ok: false, status: 401, reason: 'no token', wwwAuthenticate: 'Bearer' },
  uiBaseUrl: 'http://127.0.0.1:8233',
  logger: silentApiLogger,
  limits: { rate: { ratePerSecond: 1e9, burst: 1e9 } },
});
const post = (path: string, body: string) => api.request(path, { method: 'POST', body, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' } });

const openChange = { type: 'upgrade', ticket: { system: 'jira', id: 'OPS-1' }, input: { name: 'web-1', version: '1.36' } };

/** Checks one answer against the schema's verdict on the body. */
async function checkAnswer(res: Response, schema: typeof OpenChangeSchema | typeof ActionBodySchema, body: unknown): Promise<void> {
  const parsed = schema.safeParse(body);
  const text = await res.text();
  if (parsed.success) {
    expect([400, 422], text).not.toContain(res.status);
    return;
  }
  expect([400, 422], text).toContain(res.status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const problem = JSON.parse(text) as { failureType: string; errors?: { path: string }[] };
  expect(problem.failureType).toBe('InvalidInput');
  expect(new Set(problem.errors?.map((e) => e.path))).toEqual(new Set(requestProblems(parsed.error).map((p) => p.path)));
}

describe('API bodies, fuzzed', () => {
  it('POST /v1/changes: refused by path exactly when the schema refuses the body', async () => {
    await fc.assert(
      fc.asyncProperty(nearlyValid(openChange), async (body) => checkAnswer(await post('/v1/changes', JSON.stringify(body)), OpenChangeSchema, body)),
      fuzzParams('api POST /v1/changes', 300),
    );
  }, 600_000);

  it('POST /v1/changes/{system}/{ticketId}/<action>: the same for every action body', async () => {
    const actions = ['approve', 'pause', 'resume', 'abort', 'retry', 'skip'];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...actions), nearlyValid({ reason: 'fuzz', gate: 'prod:before', cluster: 'web-1', clusters: ['web-1'], rollback: false }), async (action, body) =>
        checkAnswer(await post(`/v1/changes/jira/OPS-1/${action}`, JSON.stringify(body)), ActionBodySchema, body),
      ),
      fuzzParams('api action bodies', 300),
    );
  }, 600_000);

  it('bytes that are not JSON are a 400 problem, on every POST route', async () => {
    const notJson = fc.string({ unit: 'binary', maxLength: 100 }).filter((s) => {
      try {
        JSON.parse(s);
        return false;
      } catch {
        return true;
      }
    });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('/v1/changes', '/v1/changes/jira/OPS-1/approve', '/v1/changes/jira/OPS-1/abort'), notJson, async (path, text) => {
        const res = await post(path, text);
        expect(res.status, await res.clone().text()).toBe(400);
        expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      }),
      fuzzParams('api non-JSON bodies', 200),
    );
  }, 600_000);
});
