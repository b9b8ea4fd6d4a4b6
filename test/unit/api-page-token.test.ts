import { describe, expect, it } from 'vitest';
import { decodePageToken, encodePageToken } from '../../src/api/page-token.js';

const temporal = new Uint8Array([1, 2, 3, 250, 0, 7]);

describe('page tokens of the change list', () => {
  it("carry Temporal's token back unchanged for the same filters, whatever their order", () => {
    const text = encodePageToken({ state: 'Running', type: 'rollout' }, temporal);
    expect(text).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodePageToken({ type: 'rollout', state: 'Running' }, text)).toEqual(temporal);
  });

  it('refuse a token made for other filters (a page of another list)', () => {
    expect(decodePageToken({ state: 'Failed' }, encodePageToken({ state: 'Running' }, temporal))).toBeUndefined();
  });

  it('refuse tokens this API did not make', () => {
    expect(decodePageToken({}, 'bm90LWEtdG9rZW4')).toBeUndefined();
    expect(decodePageToken({}, '')).toBeUndefined();
    const text = encodePageToken({}, temporal);
    expect(decodePageToken({}, `${text.slice(0, -2)}AA`)).toBeUndefined();
  });
});
