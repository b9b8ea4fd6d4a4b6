import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateApiToken, hashApiToken } from '../../src/api/auth/api-tokens.js';
import { createAuthenticator } from '../../src/api/auth/authenticator.js';
import { OidcConfigSchema } from '../../src/domain/api/api-config.js';
import { authorize, rolesOf } from '../../src/domain/auth/authorize.js';
import { AccessPolicySchema } from '../../src/domain/auth/policy.js';
import { TestOidcIssuer } from '../helpers/oidc-issuer.js';

/**
 * The authenticator against a real OpenID Provider (oidc-provider) on 127.0.0.1: tokens come
 * from its token endpoint through the client_credentials grant, and the API side finds the keys
 * through discovery and the JWKS, all over HTTP.
 */

const AUDIENCE = 'https://fleetflow.test/api';
const ciToken = generateApiToken();
const policy = AccessPolicySchema.parse({
  bindings: [
    { role: 'operator', groups: ['platform'] },
    { role: 'approver', subjects: ['bob'] },
    { role: 'viewer', tokens: ['ci'] },
  ],
  tokens: [{ name: 'ci', hash: hashApiToken(ciToken) }],
});

let issuer: TestOidcIssuer;
beforeAll(async () => {
  issuer = await new TestOidcIssuer({ audience: AUDIENCE }).start();
});
afterAll(() => issuer?.stop());

const oidc = (extra: Record<string, unknown> = {}) => OidcConfigSchema.parse({ issuer: issuer.issuer, audience: AUDIENCE, ...extra });

describe('authentication with a real OIDC issuer', () => {
  it('lets people in with their subject and groups, and the policy gives them their roles', async () => {
    const authenticate = createAuthenticator({ policy, oidc: oidc() });
    const alice = await authenticate(`Bearer ${await issuer.tokenFor({ subject: 'alice', groups: ['platform', 'staff'], name: 'Alice' })}`);
    expect(alice).toEqual({ ok: true, principal: { kind: 'oidc', subject: 'alice', groups: ['platform', 'staff'], displayName: 'Alice' } });
    const bob = await authenticate(`Bearer ${await issuer.tokenFor({ subject: 'bob' })}`);
    expect(bob).toEqual({ ok: true, principal: { kind: 'oidc', subject: 'bob', groups: [] } });
    if (!alice.ok || !bob.ok) return;
    expect(rolesOf(policy, alice.principal)).toEqual(['operator']);
    expect(authorize(policy, bob.principal, { kind: 'act', action: 'approve', requestedBy: 'alice', scope: { environments: ['prod'] } })).toEqual({ allow: true, roles: ['approver'] });
  });

  it('lets a machine client in as its client id, and static API tokens beside OIDC', async () => {
    const authenticate = createAuthenticator({ policy, oidc: oidc() });
    const machine = await issuer.machineToken();
    expect(await authenticate(`Bearer ${machine.token}`)).toEqual({ ok: true, principal: { kind: 'oidc', subject: machine.clientId, groups: [] } });
    expect(await authenticate(`Bearer ${ciToken}`)).toEqual({ ok: true, principal: { kind: 'token', subject: 'ci', groups: [] } });
  });

  it('fetches discovery and the JWKS once for many requests', async () => {
    const tokens = await Promise.all(['carol', 'dave', 'erin'].map((subject) => issuer.tokenFor({ subject })));
    issuer.requests.length = 0;
    const authenticate = createAuthenticator({ policy, oidc: oidc() });
    const results = await Promise.all([...tokens, ...tokens].map((t) => authenticate(`Bearer ${t}`)));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(issuer.requests).toEqual(['/.well-known/openid-configuration', '/jwks']);
  });

  it("refuses the issuer's token once it has expired, beyond the clock skew", async () => {
    const token = await issuer.tokenFor({ subject: 'alice', groups: ['platform'], expiresIn: 60 });
    // The API's clock runs two minutes ahead: 60 s of lifetime and 60 s of skew are both spent.
    const later = createAuthenticator({ policy, oidc: oidc(), verifier: { now: () => new Date(Date.now() + 121_000) } });
    expect(await later(`Bearer ${token}`)).toMatchObject({ ok: false, status: 401, reason: 'the token has expired (1m of clock skew allowed)' });
  });

  it('refuses a token the issuer made for another audience, and one checked against another issuer', async () => {
    const token = await issuer.tokenFor({ subject: 'alice' });
    const elsewhere = createAuthenticator({ policy, oidc: oidc({ audience: 'https://other.test/api' }) });
    expect(await elsewhere(`Bearer ${token}`)).toMatchObject({ ok: false, reason: 'wrong audience: the token is not for https://other.test/api' });
    // Keys from this issuer's JWKS, but the config trusts a different issuer name.
    const otherIssuer = createAuthenticator({ policy, oidc: oidc({ issuer: 'https://login.other.test', jwksUri: `${issuer.issuer}/jwks` }) });
    expect(await otherIssuer(`Bearer ${token}`)).toMatchObject({ ok: false, reason: 'wrong issuer: the token is not from https://login.other.test' });
  });

  it('answers 401 naming the issuer when it cannot be reached, and never hangs', async () => {
    const stopped = await new TestOidcIssuer({ audience: AUDIENCE }).start();
    const token = await stopped.tokenFor({ subject: 'alice' });
    const authenticate = createAuthenticator({ policy, oidc: OidcConfigSchema.parse({ issuer: stopped.issuer, audience: AUDIENCE }) });
    await stopped.stop();
    const r = await authenticate(`Bearer ${token}`);
    expect(r).toMatchObject({ ok: false, status: 401, reason: expect.stringMatching(new RegExp(`^cannot verify the token: OIDC discovery at ${stopped.issuer}/\\.well-known/openid-configuration failed: `)) });
    expect(JSON.stringify(r)).not.toContain(token.split('.')[2]);
  });
});
