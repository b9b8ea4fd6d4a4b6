import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ApiToken } from '../../domain/auth/policy.js';

/**
 * Static API tokens for machines. A token is `ffat_` and 32 random bytes in base64url; the
 * config keeps only `sha256:<hex>` of it. The prefix makes a leaked token easy to spot (secret
 * scanners) and lets the authenticator tell it from a JWT without trying to parse it.
 */

/** Every token `fleetflow api token create` makes starts with this. */
export const API_TOKEN_PREFIX = 'ffat_';

const TOKEN_BYTES = 32;
const WELL_FORMED = /^ffat_[A-Za-z0-9_-]{43}$/;

/** A new random API token, e.g. "ffat_3q2-7w...". Shown once; store only its hash. */
export function generateApiToken(): string {
  return `${API_TOKEN_PREFIX}${randomBytes(TOKEN_BYTES).toString('base64url')}`;
}

/** "sha256:" and the lowercase hex SHA-256 of the token's UTF-8 bytes: what access.tokens holds. */
export function hashApiToken(token: string): string {
  return `sha256:${createHash('sha256').update(token, 'utf8').digest('hex')}`;
}

/** True when the bearer claims to be a Fleetflow API token (it is then never read as a JWT). */
export function hasApiTokenPrefix(bearer: string): boolean {
  return bearer.startsWith(API_TOKEN_PREFIX);
}

/** True when a prefixed token has the length and alphabet `generateApiToken` gives. */
export function isWellFormedApiToken(bearer: string): boolean {
  return WELL_FORMED.test(bearer);
}

/**
 * Finds the configured token a presented one hashes to, by name. Every stored hash is compared
 * with timingSafeEqual, and all of them always, so the time taken says nothing about which
 * bytes matched or how far down the list a match was.
 */
export function createApiTokenMatcher(tokens: readonly ApiToken[]): (presented: string) => string | undefined {
  const known = tokens.map((t) => ({ name: t.name, digest: Buffer.from(t.hash.slice('sha256:'.length), 'hex') }));
  return (presented) => {
    const digest = createHash('sha256').update(presented, 'utf8').digest();
    let found: string | undefined;
    for (const k of known) {
      if (timingSafeEqual(digest, k.digest) && found === undefined) found = k.name;
    }
    return found;
  };
}
