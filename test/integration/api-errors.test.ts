import { connect, createServer, type Server, type Socket } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi, type ApiLimits } from '../../src/api/app.js';
import { serveApi, type ServedApi } from '../../src/api/server.js';
import { AccessPolicySchema } from '../../src/domain/auth/policy.js';
import { FAILURE_TYPES } from '../../src/domain/failure-types.js';
import { launchBrowser } from '../helpers/browser.js';
import { staticTokenAuth, tokenHash } from '../helpers/static-token-auth.js';
import { testDataConverter } from '../helpers/test-encryption.js';
import { silentApiLogger } from '../helpers/api-logger.js';

// The API's answers to bad requests of every kind, over real HTTP. None of these requests gets
// as far as Temporal, except the two that show what the API says when Temporal is away (a port
// nobody listens on) or does not answer (a socket that accepts and stays silent).

const access = AccessPolicySchema.parse({
  tokens: [
    { name: 'ci', hash: tokenHash('ci-token') },
    { name: 'burst', hash: tokenHash('burst-token') },
  ],
  bindings: [{ role: 'operator', tokens: ['ci', 'burst'] }],
});
const limits: Partial<ApiLimits> = { bodyBytes: 4096, requestTimeoutMs: 1_500, rate: { ratePerSecond: 0.01, burst: 500 } };

let api: ServedApi;
let away: ServedApi;
let silent: ServedApi;
let blackHole: Server;
const sockets = new Set<Socket>();
const clients: Client[] = [];

/** A Temporal client without the SDK's retries, so a missing server is seen at once. */
function clientAt(address: string): Client {
  const c = new Client({ connection: Connection.lazy({ address, interceptors: [] }), namespace: 'fleetflow', dataConverter: testDataConverter });
  clients.push(c);
  return c;
}

const serve = (client: Client, extra: Partial<ApiLimits> = {}) =>
  serveApi(createApi({ client, namespace: 'fleetflow', taskQueue: 'fleetflow', access, authenticate: staticTokenAuth(access), uiBaseUrl: 'http://127.0.0.1:8233', limits: { ...limits, ...extra }, logger: silentApiLogger }), { address: '127.0.0.1:0' });

beforeAll(async () => {
  blackHole = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => blackHole.listen(0, '127.0.0.1', r));
  const closedPort = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
  api = await serve(clientAt(`127.0.0.1:${closedPort}`));
  away = api;
  silent = await serve(clientAt(`127.0.0.1:${(blackHole.address() as { port: number }).port}`), { requestTimeoutMs: 700 });
});

afterAll(async () => {
  await api?.close();
  await silent?.close();
  for (const s of sockets) s.destroy();
  await new Promise((r) => blackHole?.close(r));
  for (const c of clients) await c.connection.close();
});

const auth = { authorization: 'Bearer ci-token' };
const json = { ...auth, 'content-type': 'application/json' };

/** Asserts an RFC 9457 answer of the failure type, and returns its body. */
async function problem(res: Response, failureType: keyof typeof FAILURE_TYPES, status = FAILURE_TYPES[failureType].httpStatus) {
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  const body = (await res.json()) as Record<string, unknown>;
  expect(body).toMatchObject({ type: `https://fleetflow.dev/problems/${failureType}`, status, failureType, title: expect.any(String), detail: expect.any(String), instance: new URL(res.url).pathname });
  expect(res.status).toBe(status);
  return body;
}

describe('authentication', () => {
  it('answers 401 with WWW-Authenticate when there is no token, and names nothing secret', async () => {
    const res = await fetch(`${api.url}/v1/changes`);
    const body = await problem(res, 'Unauthenticated', 401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="fleetflow"');
    expect(body.detail).toBe('no credentials: send Authorization: Bearer <token>');
  });

  it('answers 401 to an unknown token without repeating it', async () => {
    const res = await fetch(`${api.url}/v1/clusters`, { headers: { authorization: 'Bearer not-a-known-token' } });
    const body = await problem(res, 'Unauthenticated', 401);
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect(JSON.stringify(body)).not.toContain('not-a-known-token');
  });

  it('keeps even unknown /v1 routes behind authentication (nothing about the routes leaks)', async () => {
    await problem(await fetch(`${api.url}/v1/nothing-here`), 'Unauthenticated', 401);
  });

  it('serves /openapi.json and /docs without a token', async () => {
    expect((await fetch(`${api.url}/openapi.json`)).status).toBe(200);
    const page = await fetch(`${api.url}/docs`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('/docs/swagger-ui-bundle.js');
    const bundle = await fetch(`${api.url}/docs/swagger-ui-bundle.js`);
    expect(bundle.headers.get('content-type')).toContain('javascript');
    expect((await bundle.arrayBuffer()).byteLength).toBeGreaterThan(100_000);
  });
});

describe('the reference page', () => {
  it('renders every operation in a browser from this server alone (no CDN)', async () => {
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      const elsewhere: string[] = [];
      page.on('request', (r) => {
        if (!r.url().startsWith(api.url) && !r.url().startsWith('data:')) elsewhere.push(r.url());
      });
      await page.goto(`${api.url}/docs`);
      await page.getByText('/v1/changes/{system}/{ticketId}/approve').first().waitFor({ timeout: 30_000 });
      expect(await page.getByText('Open a change: start an operation for a ticket, exactly once').count()).toBe(1);
      expect(elsewhere).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});

describe('requests the API cannot take', () => {
  it('unknown route: 404', async () => {
    const body = await problem(await fetch(`${api.url}/v2/changes`, { headers: auth }), 'RouteNotFound', 404);
    expect(body.detail).toBe('no resource at /v2/changes; the routes are listed at /openapi.json');
  });

  it('wrong method: 405 with Allow', async () => {
    const res = await fetch(`${api.url}/v1/changes/servicenow/CHG1`, { method: 'DELETE', headers: auth });
    await problem(res, 'HttpMethodNotAllowed', 405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
  });

  it('bad JSON: 400', async () => {
    const body = await problem(await fetch(`${api.url}/v1/changes`, { method: 'POST', headers: json, body: '{"type": "rollout",' }), 'InvalidInput', 400);
    expect(body.errors).toEqual([{ path: '(body)', message: 'is not valid JSON' }]);
  });

  it('wrong content type: 415', async () => {
    await problem(await fetch(`${api.url}/v1/changes`, { method: 'POST', headers: { ...auth, 'content-type': 'text/yaml' }, body: 'type: rollout' }), 'UnsupportedContentType', 415);
  });

  it('too large a body: 413, whether Content-Length says so or the stream does', async () => {
    await problem(await fetch(`${api.url}/v1/changes`, { method: 'POST', headers: json, body: JSON.stringify({ pad: 'x'.repeat(5_000) }) }), 'RequestTooLarge', 413);
    const chunked = new ReadableStream({
      start(c) {
        for (let i = 0; i < 10; i++) c.enqueue(new TextEncoder().encode('x'.repeat(1_000)));
        c.close();
      },
    });
    await problem(await fetch(`${api.url}/v1/changes`, { method: 'POST', headers: json, body: chunked, duplex: 'half' } as RequestInit), 'RequestTooLarge', 413);
  });

  it('a URL or headers over 16 KiB: 431 problem+json (not Node’s empty answer), with the path it could read', async () => {
    const res = await fetch(`${api.url}/v1/clusters?selector=${'env%3Dprod,'.repeat(2_000)}`, { headers: auth });
    expect(res.status).toBe(431);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await res.json()).toEqual({
      type: 'https://fleetflow.dev/problems/RequestHeadersTooLarge',
      title: 'The request line and headers (URL included) are larger than the API accepts',
      status: 431,
      detail: 'the request line and headers are larger than 16 KiB: shorten the URL (its query) or the headers',
      instance: '/v1/clusters',
      failureType: 'RequestHeadersTooLarge',
    });
    const header = await fetch(`${api.url}/v1/changes`, { headers: { ...auth, 'x-padding': 'x'.repeat(20_000) } });
    expect(header.status).toBe(431);
    expect(((await header.json()) as { failureType: string }).failureType).toBe('RequestHeadersTooLarge');
  });

  it('bytes that are not HTTP: 400 problem+json', async () => {
    const { port } = new URL(api.url);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => socket.end('HELLO /v1/changes HTTP/9\r\n\r\n'));
      let text = '';
      socket.on('data', (d) => (text += d.toString()));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    const [head, body] = answer.split('\r\n\r\n');
    expect(head!.split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
    expect(head).toContain('Content-Type: application/problem+json');
    expect(JSON.parse(body!)).toMatchObject({ status: 400, failureType: 'InvalidInput', detail: 'the request is not valid HTTP/1.1' });
  });

  it('an invalid change: 400 listing every bad field by path, with the workflow schema’s own messages', async () => {
    const res = await fetch(`${api.url}/v1/changes`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ type: 'provision', ticket: { system: 'servicenow', id: 'CHG 1' }, input: { spec: { name: 'Web_1', provider: 'openstack' }, extra: 1 } }),
    });
    const body = await problem(res, 'InvalidInput', 400);
    const paths = (body.errors as { path: string }[]).map((e) => e.path).sort();
    expect(paths).toEqual(['input.extra', 'input.spec.name', 'input.spec.provider', 'ticket.id']);
    expect(body.detail).toContain('input.spec.name: must be lowercase letters, digits and "-"');
  });

  it('an unknown type: 400 naming the types', async () => {
    const body = await problem(await fetch(`${api.url}/v1/changes`, { method: 'POST', headers: json, body: JSON.stringify({ type: 'reboot', input: {} }) }), 'InvalidInput', 400);
    expect(body.errors).toEqual([{ path: 'type', message: 'must be one of: provision, decommission, upgradeCluster, upgradeWave, rollout, fleetDecommission' }]);
  });

  it('no ticket and no Idempotency-Key: 400 on ticket; a malformed key: 400 on the header', async () => {
    const change = { type: 'decommission', input: { name: 'web-1' } };
    const noTicket = await problem(await fetch(`${api.url}/v1/changes`, { method: 'POST', headers: json, body: JSON.stringify(change) }), 'InvalidInput', 400);
    expect(noTicket.errors).toEqual([{ path: 'ticket', message: 'is required unless an Idempotency-Key header is given' }]);
    const badKey = await problem(await fetch(`${api.url}/v1/changes`, { method: 'POST', headers: { ...json, 'idempotency-key': 'two words' }, body: JSON.stringify(change) }), 'InvalidInput', 400);
    expect(badKey.errors).toEqual([{ path: 'Idempotency-Key', message: 'must be letters, digits, ".", "_" or "-", starting with a letter or digit' }]);
  });

  it('a bad query: 400 naming the parameter', async () => {
    const body = await problem(await fetch(`${api.url}/v1/changes?pageSize=0&state=Sleeping`, { headers: auth }), 'InvalidInput', 400);
    expect((body.errors as { path: string }[]).map((e) => e.path).sort()).toEqual(['pageSize', 'state']);
  });

  it('a bad action body: 400 naming the field', async () => {
    const body = await problem(await fetch(`${api.url}/v1/changes/servicenow/CHG1/skip`, { method: 'POST', headers: json, body: JSON.stringify({ cluster: 'NOT A NAME', by: 'mallory' }) }), 'InvalidInput', 400);
    expect(body.errors).toEqual([
      { path: 'cluster', message: 'must be lowercase letters, digits and "-", starting and ending alphanumeric' },
      { path: 'by', message: 'is not a field here' },
    ]);
  });
});

describe('Temporal away or slow', () => {
  it('Temporal unreachable: 503 with Retry-After', async () => {
    const res = await fetch(`${away.url}/v1/changes`, { headers: auth });
    await problem(res, 'TemporalUnavailable', 503);
    expect(res.headers.get('retry-after')).toBe('5');
  });

  it('Temporal silent: 504 after the request timeout', async () => {
    const started = Date.now();
    const body = await problem(await fetch(`${silent.url}/v1/changes`, { headers: auth }), 'RequestTimedOut', 504);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(body.detail).toBe('the request took longer than 700 ms; a POST may be repeated safely');
  });
});

describe('rate limit per principal', () => {
  it('answers 429 with Retry-After once the bucket is empty, and only to that principal', async () => {
    const limited = await serve(clients[0]!, { rate: { ratePerSecond: 0.5, burst: 2 } });
    try {
      const burst = { authorization: 'Bearer burst-token' };
      // Requests that fail validation still count: the limit is on requests, not on successes.
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await fetch(`${limited.url}/v1/changes?pageSize=0`, { headers: burst })).status);
      expect(statuses).toEqual([400, 400, 429]);
      const res = await fetch(`${limited.url}/v1/changes?pageSize=0`, { headers: burst });
      const body = await problem(res, 'RateLimited', 429);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(body.detail).toMatch(/^token:burst sent more than 0.5 requests per second \(bursts of 2\); try again in \d+ s$/);
      // Another principal has its own bucket.
      expect((await fetch(`${limited.url}/v1/changes?pageSize=0`, { headers: auth })).status).toBe(400);
    } finally {
      await limited.close();
    }
  });
});

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1 whose schemas are valid JSON Schema 2020-12 and whose references all resolve', async () => {
    const doc = (await (await fetch(`${api.url}/openapi.json`)).json()) as Record<string, any>;
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info).toMatchObject({ title: 'Fleetflow API', version: '1' });
    // Every $ref points at something in the document.
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
    for (const r of new Set(refs)) {
      const path = /"#\/([^"]+)"$/.exec(r)![1]!.split('/');
      expect(path.reduce((o: any, k) => o?.[k], doc), r).toBeDefined();
    }
    // Each component schema compiles as JSON Schema 2020-12 (OpenAPI's own keywords allowed).
    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    ajv.addVocabulary(['discriminator', 'example', 'xml', 'externalDocs']);
    ajv.addSchema({ $id: 'doc', components: doc.components });
    for (const name of Object.keys(doc.components.schemas)) {
      expect(() => ajv.getSchema(`doc#/components/schemas/${name}`), name).not.toThrow();
    }
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('lists every route of the server, each with its problems and bearer security', async () => {
    const doc = (await (await fetch(`${api.url}/openapi.json`)).json()) as Record<string, any>;
    const documented = Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`)).sort();
    expect(documented).toEqual(
      [
        'POST /v1/changes',
        'GET /v1/changes',
        'GET /v1/changes/{system}/{ticketId}',
        ...['approve', 'pause', 'resume', 'abort', 'retry', 'skip'].map((a) => `POST /v1/changes/{system}/{ticketId}/${a}`),
        'GET /v1/clusters',
        'GET /v1/clusters/{name}',
        'POST /v1/placements/preview',
        'GET /v1/placements',
        'GET /v1/placements/{name}',
        'GET /v1/policies',
        'GET /v1/policies/{name}',
        'GET /v1/compliance',
      ].sort(),
    );
    for (const [p, ops] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
      for (const [m, op] of Object.entries(ops)) {
        expect(op.security, `${m} ${p}`).toEqual([{ bearer: [] }]);
        for (const status of ['400', '401', '403', '429', '500', '503', '504']) {
          expect(op.responses[status]?.content?.['application/problem+json']?.schema, `${m} ${p} ${status}`).toEqual({ $ref: '#/components/schemas/Problem' });
        }
      }
    }
  });

  it('documents what the server takes: the page size’s range, action bodies that may be empty, 431 everywhere', async () => {
    const doc = (await (await fetch(`${api.url}/openapi.json`)).json()) as Record<string, any>;
    const pageSize = doc.paths['/v1/changes'].get.parameters.find((p: { name: string }) => p.name === 'pageSize');
    expect(pageSize.schema).toEqual({ type: 'integer', minimum: 1, maximum: 200, default: 50 });
    for (const action of ['approve', 'pause', 'resume', 'abort', 'retry', 'skip']) {
      const op = doc.paths[`/v1/changes/{system}/{ticketId}/${action}`].post;
      expect(op.requestBody.required, action).toBe(false);
      expect(op.responses['431'].content['application/problem+json'].schema).toEqual({ $ref: '#/components/schemas/Problem' });
    }
  });

  it("describes a change's input with the operation's own schema, told apart by type", async () => {
    const doc = (await (await fetch(`${api.url}/openapi.json`)).json()) as Record<string, any>;
    const open = doc.components.schemas.OpenChange;
    expect(open.discriminator.propertyName).toBe('type');
    expect(Object.keys(open.discriminator.mapping).sort()).toEqual(['decommission', 'fleetDecommission', 'provision', 'rollout', 'upgradeCluster', 'upgradeWave']);
    const rollout = doc.components.schemas.OpenRolloutChange.properties.input;
    expect(rollout.required).toEqual(expect.arrayContaining(['plan', 'bundle']));
    // Exactly one of them, which the schema's refinement checks (JSON Schema cannot say it here).
    expect(Object.keys(rollout.properties)).toEqual(expect.arrayContaining(['selector', 'placement']));
    // A request validated against the document is one the API takes the same way.
    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    ajv.addVocabulary(['discriminator', 'example', 'xml', 'externalDocs']);
    ajv.addSchema({ $id: 'doc', components: doc.components });
    const validate = ajv.getSchema('doc#/components/schemas/OpenChange')!;
    expect(validate({ type: 'decommission', ticket: { system: 'jira', id: 'OPS-1' }, input: { name: 'web-1' } })).toBe(true);
    expect(validate({ type: 'decommission', ticket: { system: 'jira', id: 'OPS-1' }, input: { name: 'web-1', wipe: true } })).toBe(false);
  });
});
