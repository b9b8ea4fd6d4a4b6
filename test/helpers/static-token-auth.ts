import { createHash, timingSafeEqual } from 'node:crypto';
import type { Authenticate } from '../../src/api/authenticate.js';
import type { AccessPolicy } from '../../src/domain/auth/policy.js';

const CHALLENGE = 'Bearer realm="fleetflow"';

/**
 * The static-token half of authentication, for tests until src/api/auth lands: a bearer token
 * is the policy's token whose stored hash ("sha256:<hex>") is the SHA-256 of its bytes,
 * compared in constant time; its principal is `token:<name>`.
 */
export function staticTokenAuth(policy: AccessPolicy): Authenticate {
  const known = policy.tokens.map((t) => ({ name: t.name, digest: Buffer.from(t.hash.slice('sha256:'.length), 'hex') }));
  return async (header) => {
    const m = /^Bearer +([\x21-\x7e]+) *$/i.exec(header ?? '');
    if (!header) return { ok: false, status: 401, reason: 'the request has no Authorization header: send "Authorization: Bearer <token>"', wwwAuthenticate: CHALLENGE };
    if (!m) return { ok: false, status: 401, reason: 'the Authorization header is not "Bearer <token>"', wwwAuthenticate: `${CHALLENGE}, error="invalid_request"` };
    const digest = createHash('sha256').update(m[1]!, 'utf8').digest();
    const match = known.find((k) => timingSafeEqual(k.digest, digest));
    if (!match) return { ok: false, status: 401, reason: 'the bearer token is not known', wwwAuthenticate: `${CHALLENGE}, error="invalid_token"` };
    return { ok: true, principal: { kind: 'token', subject: match.name, groups: [] } };
  };
}

/** The "sha256:<hex>" a policy stores for a token. */
export const tokenHash = (token: string) => `sha256:${createHash('sha256').update(token, 'utf8').digest('hex')}`;
