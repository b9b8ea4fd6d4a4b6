import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { kubeError } from '../../src/kube/errors.js';

const status = (message: string, extra: object = {}) => JSON.stringify({ kind: 'Status', message, ...extra });
const api = (code: number, body: string) => new ApiException(code, 'Unsuccessful HTTP Request', body, {});
const classify = (e: unknown) => {
  const m = kubeError(e, 'apply ConfigMap a/b');
  return { type: m.type, retryable: m.retryable };
};

describe('kubeError', () => {
  it.each([
    // Retrying helps: the server or network is the problem, or a resourceVersion race.
    [429, 'Throttled', true],
    [500, 'ServerError', true],
    [503, 'ServerError', true],
    [409, 'Conflict', true],
    // Retrying gives the same answer: the request itself is refused.
    [400, 'BadRequest', false],
    [401, 'Unauthorized', false],
    [403, 'Forbidden', false],
    [404, 'NotFound', false],
    [422, 'Invalid', false],
  ])('maps HTTP %i to %s (retryable: %s)', (code, type, retryable) => {
    expect(classify(api(code, status('nope')))).toEqual({ type, retryable });
  });

  it('names the object and quotes the server message', () => {
    const e = kubeError(api(422, status('ConfigMap "b" is invalid: data[x y]: Invalid value')), 'apply ConfigMap a/b');
    expect(e.message).toBe('apply ConfigMap a/b: ConfigMap "b" is invalid: data[x y]: Invalid value (HTTP 422)');
  });

  it('treats a server-side-apply field conflict as permanent: only force would change the answer', () => {
    const body = status('Apply failed with 1 conflict', { details: { causes: [{ reason: 'FieldManagerConflict', field: '.data.x' }] } });
    expect(classify(api(409, body))).toEqual({ type: 'FieldManagerConflict', retryable: false });
  });

  it('retries network failures and refuses TLS failures', () => {
    const refused = Object.assign(new Error('request to https://127.0.0.1:1 failed'), { code: 'ECONNREFUSED' });
    const wrapped = Object.assign(new Error('fetch failed'), { cause: refused });
    expect(classify(wrapped)).toEqual({ type: 'Network', retryable: true });
    const tls = Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    expect(classify(tls)).toEqual({ type: 'TlsError', retryable: false });
  });

  it("retries an API server that stops answering a typed call (undici's timeouts, wrapped by fetch)", () => {
    for (const code of ['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']) {
      const timeout = Object.assign(new Error('Headers Timeout Error'), { code });
      expect(classify(Object.assign(new TypeError('fetch failed'), { cause: timeout }))).toEqual({ type: 'Network', retryable: true });
    }
  });

  it('refuses a kind the server does not know', () => {
    expect(classify(new Error('Unrecognized API version and kind: v1 Widget'))).toEqual({ type: 'UnknownKind', retryable: false });
  });
});
