import { createHash, timingSafeEqual } from 'node:crypto';
import type { AccessPolicy } from '../domain/auth/policy.js';
import type { Authenticate } from './authenticate.js';

const CHALLENGE = 'Bearer realm="fleetflow"';

/**
 * Authentication by static API tokens alone: a bearer token is the policy's token whose stored
 * hash ("sha256:<hex>") is the SHA-256 of its bytes; every hash is compared, in constant time;
 * its principal is `token:<name>`. The reason of a refusal never repeats the token.
 */
export function authenticateTokens(policy: AccessPolicy): Authenticate {
  const known = policy.tokens.map((t) => ({ name: t.name, digest: Buffer.from(t.hash.slice('sha256:'.length), 'hex') }));
  return async (header) => {
    if (!header) return { ok: false, status: 401, reason: 'no credentials: send Authorization: Bearer <token>', wwwAuthenticate: CHALLENGE };
    const m = /^Bearer +([\x21-\x7e]{1,4096}) *$/i.exec(header);
    if (!m) return { ok: false, status: 401, reason: 'the Authorization header is not "Bearer <token>"', wwwAuthenticate: `${CHALLENGE}, error="invalid_request"` };
    const digest = createHash('sha256').update(m[1]!, 'utf8').digest();
    let found: string | undefined;
    for (const k of known) if (timingSafeEqual(k.digest, digest) && found === undefined) found = k.name;
    if (!found) return { ok: false, status: 401, reason: 'unknown token: it matches no token of the access policy', wwwAuthenticate: `${CHALLENGE}, error="invalid_token"` };
    return { ok: true, principal: { kind: 'token', subject: found, groups: [] } };
  };
}
