import { describe, expect, it } from 'vitest';
import { API_TOKEN_PREFIX, generateApiToken, hashApiToken } from '../../src/api/auth/api-tokens.js';
import { createAuthenticator } from '../../src/api/auth/authenticator.js';
import { bearerChallenge } from '../../src/api/auth/bearer.js';
import { AccessPolicySchema } from '../../src/domain/auth/policy.js';

const ci = generateApiToken();
const handMade = 'made-by-hand-with-openssl-rand-0123456789';
const policy = AccessPolicySchema.parse({
  tokens: [
    { name: 'ci', hash: hashApiToken(ci) },
    { name: 'legacy', hash: hashApiToken(handMade) },
  ],
  bindings: [{ role: 'operator', tokens: ['ci'] }],
});
const authenticate = createAuthenticator({ policy });

describe('API tokens', () => {
  it('are the prefix and 32 random bytes in base64url, different every time', () => {
    expect(ci).toMatch(/^ffat_[A-Za-z0-9_-]{43}$/);
    expect(generateApiToken()).not.toBe(generateApiToken());
  });

  it('are stored as the hash the README tells operators to compute (printf %s "$TOKEN" | sha256sum)', () => {
    expect(hashApiToken('abc')).toBe('sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('createAuthenticator with static API tokens', () => {
  it('lets a configured token in as a token principal named like the token', async () => {
    expect(await authenticate(`Bearer ${ci}`)).toEqual({ ok: true, principal: { kind: 'token', subject: 'ci', groups: [] } });
    // The scheme is case-insensitive (RFC 7235); surrounding spaces are forgiven.
    expect(await authenticate(`bearer  ${ci} `)).toMatchObject({ ok: true, principal: { subject: 'ci' } });
  });

  it('lets in a token made by hand (no prefix) whose hash the operator put in the file', async () => {
    expect(await authenticate(`Bearer ${handMade}`)).toMatchObject({ ok: true, principal: { kind: 'token', subject: 'legacy' } });
  });

  // Each refusal: the reason a client sees, and whether the challenge carries an error (RFC 6750 3.1).
  const unknown = generateApiToken();
  it.each([
    { why: 'no header', header: undefined, reason: 'no credentials: send Authorization: Bearer <token>', error: false },
    { why: 'an empty header', header: '  ', reason: 'no credentials: send Authorization: Bearer <token>', error: false },
    { why: 'another scheme', header: `Basic ${Buffer.from(`ci:${ci}`).toString('base64')}`, reason: 'the Basic scheme is not accepted: send Authorization: Bearer <token>', error: false },
    { why: 'Bearer and nothing', header: 'Bearer', reason: 'the Bearer credentials are empty', error: true },
    { why: 'two words', header: `Bearer ${ci} ${ci}`, reason: 'the bearer token has characters a token cannot have (one token, no spaces)', error: true },
    { why: 'a truncated API token', header: `Bearer ${ci.slice(0, 20)}`, reason: 'malformed API token: not the length or characters of a Fleetflow API token', error: true },
    { why: 'a well-formed API token nobody configured', header: `Bearer ${unknown}`, reason: 'unknown API token: it matches no token of the access policy (revoked or mistyped?)', error: true },
    { why: 'a token of neither kind', header: 'Bearer some-guess', reason: 'unknown token: neither an API token of the access policy nor a signed JWT', error: true },
    { why: 'a JWT with no OIDC issuer configured', header: 'Bearer aaa.bbb.ccc', reason: 'OIDC tokens are not accepted: the config file has no api.oidc issuer (API tokens only)', error: true },
    { why: 'a header too long to be a token', header: `Bearer ${'a'.repeat(20_000)}`, reason: 'the Authorization header is longer than 16384 characters', error: true },
  ])('refuses $why with 401 and a challenge', async ({ header, reason, error }) => {
    const r = await authenticate(header);
    const challenge = error ? `Bearer realm="fleetflow", error="invalid_token", error_description="${reason}"` : 'Bearer realm="fleetflow"';
    expect(r).toEqual({ ok: false, status: 401, reason, wwwAuthenticate: challenge });
    // Nothing of the presented credential comes back.
    const credential = header?.trim().split(/\s+/)[1];
    if (credential) expect(JSON.stringify(r)).not.toContain(credential);
  });

  it('writes error_description as an RFC 6750 quoted string: no quotes, backslashes or non-ASCII', () => {
    expect(bearerChallenge('the "groups" claim \\ é')).toBe(`Bearer realm="fleetflow", error="invalid_token", error_description="the 'groups' claim ' ?"`);
  });

  it('knows no token when the policy has none (the default)', async () => {
    const none = createAuthenticator({ policy: AccessPolicySchema.parse({}) });
    expect(await none(`Bearer ${ci}`)).toMatchObject({ ok: false, reason: expect.stringMatching(/^unknown API token/) });
    expect(API_TOKEN_PREFIX).toBe('ffat_');
  });
});
