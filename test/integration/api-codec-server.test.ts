import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../src/api/app.js';
import { serveApi, type ServedApi } from '../../src/api/server.js';
import { AccessPolicySchema } from '../../src/domain/auth/policy.js';
import { keyRing } from '../../src/domain/encryption/key-ring.js';
import { dataConverterFromRing } from '../../src/temporal/codec/data-converter.js';
import { staticTokenAuth, tokenHash } from '../helpers/static-token-auth.js';
import { testDataConverter } from '../helpers/test-encryption.js';
import { silentApiLogger } from '../helpers/api-logger.js';

// The codec server on a real HTTP server on 127.0.0.1 (the dev exception looks at the peer
// address), with the test key; it never calls Temporal, so no Temporal server is started.
const ADMIN = `ffat_${'a'.repeat(43)}`;
const DEV_ONLY = `ffat_${'d'.repeat(43)}`;
const UNBOUND = `ffat_${'u'.repeat(43)}`;
const UI = 'http://127.0.0.1:18233';
const PROD_UI = 'https://temporal.example.com';
const access = AccessPolicySchema.parse({
  roles: [{ name: 'dev-deployer', permissions: [{ operations: ['*'], environments: ['dev'] }] }],
  bindings: [
    { role: 'admin', tokens: ['admin'] },
    { role: 'dev-deployer', tokens: ['dev-only'] },
  ],
  tokens: [
    { name: 'admin', hash: tokenHash(ADMIN) },
    { name: 'dev-only', hash: tokenHash(DEV_ONLY) },
    { name: 'unbound', hash: tokenHash(UNBOUND) },
  ],
});
const spec = { name: 'prod-eu-1', region: 'eu-west-1', nodePools: [{ name: 'general', size: 3 }] };
const wire = (p: { metadata?: Record<string, Uint8Array | null | undefined> | null; data?: Uint8Array | null }) => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v!).toString('base64')])),
  data: Buffer.from(p.data ?? []).toString('base64'),
});

let api: ServedApi;
let withDev: ServedApi;

function serve(devOrigin?: string): Promise<ServedApi> {
  const app = createApi({
    client: {} as Client,
    namespace: 'fleetflow',
    taskQueue: 'unused',
    access,
    authenticate: staticTokenAuth(access),
    uiBaseUrl: 'http://127.0.0.1:1',
    codec: { payloadCodecs: testDataConverter.payloadCodecs!, corsOrigins: [PROD_UI, ...(devOrigin ? [devOrigin] : [])], ...(devOrigin ? { devOrigin } : {}) },
    logger: silentApiLogger,
  });
  return serveApi(app, { address: '127.0.0.1:0' });
}

beforeAll(async () => {
  api = await serve();
  withDev = await serve(UI);
});
afterAll(async () => {
  await api?.close();
  await withDev?.close();
});

async function post(base: ServedApi, op: 'encode' | 'decode', payloads: unknown[], headers: Record<string, string> = {}) {
  const res = await fetch(`${base.url}/codec/${op}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-namespace': 'fleetflow', ...headers }, body: JSON.stringify({ payloads }) });
  return { status: res.status, headers: res.headers, body: (await res.json()) as { payloads?: ReturnType<typeof wire>[]; detail?: string; failureType?: string } };
}
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

describe('the codec server', () => {
  it('decodes what the data converter encrypted, and its encode is decoded back', async () => {
    const [sealed] = await testDataConverter.payloadCodecs![0]!.encode([defaultPayloadConverter.toPayload(spec)]);
    const decoded = await post(api, 'decode', [wire(sealed!)], bearer(ADMIN));
    expect(decoded.status).toBe(200);
    expect(Buffer.from(decoded.body.payloads![0]!.metadata.encoding!, 'base64').toString()).toBe('json/plain');
    expect(JSON.parse(Buffer.from(decoded.body.payloads![0]!.data, 'base64').toString())).toEqual(spec);

    const clear = wire(defaultPayloadConverter.toPayload(spec));
    const encoded = await post(api, 'encode', [clear], bearer(ADMIN));
    expect(Buffer.from(encoded.body.payloads![0]!.metadata.encoding!, 'base64').toString()).toBe('binary/encrypted');
    expect(Buffer.from(encoded.body.payloads![0]!.data, 'base64').toString('latin1')).not.toContain('prod-eu-1');
    expect((await post(api, 'decode', encoded.body.payloads!, bearer(ADMIN))).body.payloads).toEqual([clear]);
  });

  it('answers 401 without a token or with an unknown one, and 403 to a token without codec', async () => {
    const clear = [wire(defaultPayloadConverter.toPayload(spec))];
    const none = await post(api, 'decode', clear);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await post(api, 'decode', clear, bearer(`ffat_${'x'.repeat(43)}`))).status).toBe(401);
    const devOnly = await post(api, 'decode', clear, bearer(DEV_ONLY));
    expect(devOnly.status).toBe(403);
    expect(devOnly.body.detail).toBe('token:dev-only (roles: dev-deployer) may not use the codec server: no permission grants codec on every environment ("*")');
    expect((await post(api, 'decode', clear, bearer(UNBOUND))).status).toBe(403);
    const otherNamespace = await post(api, 'decode', clear, { ...bearer(ADMIN), 'x-namespace': 'billing' });
    expect(otherNamespace.status).toBe(403);
    expect(otherNamespace.body.detail).toBe('this codec server serves namespace fleetflow, not billing');
  });

  it('refuses a payload under an unknown key with the key id, never garbage', async () => {
    const other = dataConverterFromRing(keyRing([{ id: 'elsewhere', key: new Uint8Array(32).fill(7) }]));
    const [sealed] = await other.payloadCodecs![0]!.encode([defaultPayloadConverter.toPayload(spec)]);
    const res = await post(api, 'decode', [wire(sealed!)], bearer(ADMIN));
    expect(res.status).toBe(500);
    expect(res.body.failureType).toBe('PayloadUndecryptable');
    expect(res.body.detail).toContain('the payload is encrypted under key id "elsewhere", which is not configured here');
  });

  it('refuses a body that is not the codec protocol, naming the field', async () => {
    const res = await post(api, 'decode', [{ data: 'not base64!' }], bearer(ADMIN));
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain('must be base64');
  });

  it('answers CORS preflight for the configured UI origin only', async () => {
    const preflight = (origin: string) =>
      fetch(`${api.url}/codec/decode`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type,x-namespace' } });
    const ok = await preflight(PROD_UI);
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe(PROD_UI);
    expect(ok.headers.get('access-control-allow-headers')).toBe('Authorization, Content-Type, X-Namespace');
    expect(ok.headers.get('access-control-allow-methods')).toContain('POST');
    expect(ok.headers.get('access-control-allow-credentials')).toBe('true');
    const evil = await preflight('https://evil.example.com');
    expect(evil.status).toBe(403);
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
    // The answer to the real request carries the header too, refusals included (the UI reads them).
    const denied = await post(api, 'decode', [], { origin: PROD_UI });
    expect(denied.status).toBe(401);
    expect(denied.headers.get('access-control-allow-origin')).toBe(PROD_UI);
  });

  it('lets the dev UI in without a token only where dev up said so, from its exact origin', async () => {
    const clear = [wire(defaultPayloadConverter.toPayload(spec))];
    expect((await post(withDev, 'decode', clear, { origin: UI })).status).toBe(200);
    expect((await post(withDev, 'decode', clear, { origin: 'http://127.0.0.1:18234' })).status).toBe(401);
    expect((await post(withDev, 'decode', clear)).status).toBe(401);
    // The same origin on a server without the dev setting gets nothing without a token.
    expect((await post(api, 'decode', clear, { origin: UI })).status).toBe(401);
  });
});
