import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateApiToken, hashApiToken } from '../../src/api/auth/api-tokens.js';
import { createAuthenticator, type Authentication } from '../../src/api/auth/authenticator.js';
import { OidcConfigSchema, type OidcConfigInput } from '../../src/domain/api/api-config.js';
import { AccessPolicySchema } from '../../src/domain/auth/policy.js';
import { JwksIssuer, makeKey, type TestKey } from '../helpers/jwks-issuer.js';

// Tokens are checked against a fixed clock, so every time below is exact.
const NOW = Date.parse('2030-01-01T00:00:00Z') / 1000;
const AUDIENCE = 'https://fleetflow.example/api';
const policy = AccessPolicySchema.parse({});

let issuer: JwksIssuer;
let other: TestKey; // a key the issuer does not publish
let keys: Record<string, TestKey>;

beforeAll(async () => {
  keys = { ES256: await makeKey('ES256'), RS256: await makeKey('RS256'), PS256: await makeKey('PS256'), EdDSA: await makeKey('EdDSA') };
  other = await makeKey('ES256', 'not-published');
  issuer = await new JwksIssuer(Object.values(keys)).start();
});
afterAll(() => issuer.stop());

const authenticator = (oidc: Partial<OidcConfigInput> = {}) =>
  createAuthenticator({ policy, oidc: OidcConfigSchema.parse({ issuer: issuer.issuer, audience: AUDIENCE, ...oidc }), verifier: { now: () => new Date(NOW * 1000) } });

/** A token valid at NOW for alice, with whatever the case changes. */
const claims = (extra: Record<string, unknown> = {}) => ({ sub: 'alice', aud: AUDIENCE, iat: NOW - 10, exp: NOW + 300, groups: ['platform'], ...extra });
const bearer = (jwt: string) => `Bearer ${jwt}`;
const refusal = (reason: string): Authentication => ({ ok: false, status: 401, reason, wwwAuthenticate: `Bearer realm="fleetflow", error="invalid_token", error_description="${reason}"` });

describe('createAuthenticator with an OIDC issuer (JWTs checked with jose against its JWKS)', () => {
  it.each(['ES256', 'RS256', 'PS256', 'EdDSA'])('lets in a %s token: subject, groups and display name', async (alg) => {
    const jwt = await issuer.sign(claims({ preferred_username: 'alice@example.com' }), keys[alg]);
    expect(await authenticator()(bearer(jwt))).toEqual({ ok: true, principal: { kind: 'oidc', subject: 'alice', groups: ['platform'], displayName: 'alice@example.com' } });
  });

  // Each case: the claims or key that make the token fail, and the reason the client reads.
  it.each([
    // exp and nbf, with the default 60 s of skew.
    { why: 'expired more than the skew ago', claims: { exp: NOW - 61 }, reason: 'the token has expired (1m of clock skew allowed)' },
    { why: 'not valid for more than the skew yet', claims: { nbf: NOW + 61 }, reason: 'the token is not valid yet (nbf is more than 1m ahead)' },
    { why: 'without exp (a token must end)', claims: { exp: undefined }, reason: 'the token has no exp claim' },
    // Whom it is from and for.
    { why: 'for another audience', claims: { aud: 'https://other.example/api' }, reason: `wrong audience: the token is not for ${AUDIENCE}` },
    { why: 'from another issuer', claims: { iss: 'https://evil.example' }, reason: 'wrong issuer: the token is not from ISSUER' },
    { why: 'without a subject', claims: { sub: undefined }, reason: 'the token has no sub claim' },
    // The groups claim must be a list of strings, or bindings could match the wrong thing.
    { why: 'with a groups claim that is one string', claims: { groups: 'platform' }, reason: "the token's groups claim groups is not a list of strings" },
  ])('refuses a token $why', async ({ claims: changed, reason }) => {
    const jwt = await issuer.sign(claims(changed));
    const r = await authenticator()(bearer(jwt));
    expect(r).toEqual(refusal(reason.replace('ISSUER', issuer.issuer)));
    expect(JSON.stringify(r)).not.toContain(jwt.split('.')[2]);
  });

  it('accepts a token expired or not yet valid by less than the skew, and the skew is configurable', async () => {
    const late = await issuer.sign(claims({ exp: NOW - 59 }));
    const early = await issuer.sign(claims({ nbf: NOW + 59 }));
    expect(await authenticator()(bearer(late))).toMatchObject({ ok: true });
    expect(await authenticator()(bearer(early))).toMatchObject({ ok: true });
    expect(await authenticator({ clockSkew: '0s' })(bearer(late))).toEqual(refusal('the token has expired (0s of clock skew allowed)'));
    expect(await authenticator({ clockSkew: '2m' })(bearer(await issuer.sign(claims({ exp: NOW - 119 }))))).toMatchObject({ ok: true });
  });

  it('refuses HS256 (anyone holding the secret could mint tokens) and unsigned tokens', async () => {
    const hs = await new SignJWT(claims({ iss: issuer.issuer })).setProtectedHeader({ alg: 'HS256', kid: 'es256' }).sign(new TextEncoder().encode('a shared secret of thirty-two bytes!'));
    expect(await authenticator()(bearer(hs))).toEqual(refusal("the token's signing algorithm HS256 is not allowed (only RS256, ES256, PS256, EdDSA, Ed25519)"));
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const none = `${b64({ alg: 'none' })}.${b64(claims({ iss: issuer.issuer }))}.`;
    expect(await authenticator()(bearer(none))).toEqual(refusal("the token's signing algorithm none is not allowed (only RS256, ES256, PS256, EdDSA, Ed25519)"));
  });

  it('refuses a token signed by a key the JWKS does not publish, and one whose signature does not match', async () => {
    expect(await authenticator()(bearer(await issuer.sign(claims(), other)))).toEqual(refusal("unknown key: no key of the issuer's JWKS matches the token's kid"));
    // Same kid as a published key, other private key: the signature cannot verify.
    const forged = await issuer.sign(claims(), { ...other, kid: keys.ES256!.kid });
    expect(await authenticator()(bearer(forged))).toEqual(refusal("bad signature: the token was not signed by the issuer's key"));
    const [h, , s] = (await issuer.sign(claims())).split('.');
    const tampered = `${h}.${Buffer.from(JSON.stringify(claims({ iss: issuer.issuer, groups: ['admins'] }))).toString('base64url')}.${s}`;
    expect(await authenticator()(bearer(tampered))).toEqual(refusal("bad signature: the token was not signed by the issuer's key"));
  });

  it('reads groups from the claim the config names, and no groups when the token has none', async () => {
    const jwt = await issuer.sign(claims({ groups: undefined, roles: ['change-approvers', 'fleet-viewers'], name: 'Alice A.' }));
    expect(await authenticator({ groupsClaim: 'roles' })(bearer(jwt))).toEqual({ ok: true, principal: { kind: 'oidc', subject: 'alice', groups: ['change-approvers', 'fleet-viewers'], displayName: 'Alice A.' } });
    expect(await authenticator()(bearer(jwt))).toEqual({ ok: true, principal: { kind: 'oidc', subject: 'alice', groups: [], displayName: 'Alice A.' } });
  });

  it('accepts one of several audiences', async () => {
    const jwt = await issuer.sign(claims({ aud: ['https://other.example', AUDIENCE] }));
    expect(await authenticator({ audience: ['fleetflow', AUDIENCE] })(bearer(jwt))).toMatchObject({ ok: true });
  });

  it('fetches discovery once and then the JWKS, even for concurrent requests, and skips discovery when jwksUri is configured', async () => {
    const jwt = await issuer.sign(claims());
    issuer.requests.length = 0;
    const authenticate = authenticator();
    // Concurrent first requests share one discovery and one key set.
    const first = await Promise.all([1, 2, 3].map(() => authenticate(bearer(jwt))));
    expect(first.every((r) => r.ok)).toBe(true);
    expect(await authenticate(bearer(jwt))).toMatchObject({ ok: true });
    expect(issuer.requests).toEqual(['/.well-known/openid-configuration', '/jwks']);
    issuer.requests.length = 0;
    expect(await authenticator({ jwksUri: issuer.jwksUri })(bearer(jwt))).toMatchObject({ ok: true });
    expect(issuer.requests).toEqual(['/jwks']);
  });

  it('does not keep a failed discovery: the next request tries again', async () => {
    const jwt = await issuer.sign(claims());
    const authenticate = authenticator();
    issuer.discoveryDown = true;
    try {
      expect(await authenticate(bearer(jwt))).toEqual(refusal(`cannot verify the token: OIDC discovery at ${issuer.issuer}/.well-known/openid-configuration answered HTTP 503`));
    } finally {
      issuer.discoveryDown = false;
    }
    expect(await authenticate(bearer(jwt))).toMatchObject({ ok: true });
  });

  it('refuses to trust a discovery document that names another issuer', async () => {
    issuer.claimedIssuer = 'https://evil.example';
    try {
      expect(await authenticator()(bearer(await issuer.sign(claims())))).toEqual(
        refusal(`cannot verify the token: OIDC discovery at ${issuer.issuer}/.well-known/openid-configuration: the document's issuer is not ${issuer.issuer}`),
      );
    } finally {
      issuer.claimedIssuer = undefined;
    }
  });

  it('never sends an API token to the issuer, even one that is not configured', async () => {
    const token = generateApiToken();
    issuer.requests.length = 0;
    const withToken = createAuthenticator({ policy: AccessPolicySchema.parse({ tokens: [{ name: 'ci', hash: hashApiToken(token) }] }), oidc: OidcConfigSchema.parse({ issuer: issuer.issuer, audience: AUDIENCE }) });
    expect(await withToken(bearer(token))).toMatchObject({ ok: true, principal: { kind: 'token', subject: 'ci' } });
    expect(await withToken(bearer(generateApiToken()))).toMatchObject({ ok: false, reason: expect.stringMatching(/^unknown API token/) });
    expect(issuer.requests).toEqual([]);
  });
});
