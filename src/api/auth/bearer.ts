/**
 * The `Authorization: Bearer` header (RFC 6750) and the `WWW-Authenticate` challenge that
 * answers a request it does not let in.
 */

/** What an Authorization header holds, before any token is checked. */
export type BearerCredentials =
  | { kind: 'none' }
  /** Another scheme (Basic, Digest...): to RFC 6750 that is no bearer credential at all. */
  | { kind: 'other-scheme'; scheme: string }
  | { kind: 'malformed'; reason: string }
  | { kind: 'bearer'; token: string };

// token68 (RFC 7235): the only shape a bearer token may have.
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;
const SCHEME = /^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/;
/** Longer headers are refused unread: no real token is near this size. */
export const MAX_AUTHORIZATION_LENGTH = 16 * 1024;

/** Reads the header. Reasons never contain the token: they go to clients and logs. */
export function parseAuthorization(header: string | undefined): BearerCredentials {
  if (header === undefined || header.trim() === '') return { kind: 'none' };
  if (header.length > MAX_AUTHORIZATION_LENGTH) return { kind: 'malformed', reason: `the Authorization header is longer than ${MAX_AUTHORIZATION_LENGTH} characters` };
  const text = header.trim();
  const space = text.search(/\s/);
  const scheme = space < 0 ? text : text.slice(0, space);
  if (scheme.toLowerCase() !== 'bearer') {
    return SCHEME.test(scheme) ? { kind: 'other-scheme', scheme } : { kind: 'malformed', reason: 'the Authorization header is not "Bearer <token>"' };
  }
  const token = space < 0 ? '' : text.slice(space).trim();
  if (token === '') return { kind: 'malformed', reason: 'the Bearer credentials are empty' };
  if (!TOKEN68.test(token)) return { kind: 'malformed', reason: 'the bearer token has characters a token cannot have (one token, no spaces)' };
  return { kind: 'bearer', token };
}

/** The realm every challenge names. */
export const REALM = 'fleetflow';

// error_description allows %x20-21 / %x23-5B / %x5D-7E: no quote, no backslash, ASCII only.
const quotable = (text: string) => text.replace(/["\\]/g, "'").replace(/[^\x20-\x7e]/g, '?').slice(0, 300);

/**
 * `Bearer realm="fleetflow"` for a request without bearer credentials (RFC 6750 3.1: no error
 * code then), else with `error="invalid_token"` and the reason as `error_description`.
 */
export function bearerChallenge(reason?: string): string {
  const base = `Bearer realm="${REALM}"`;
  return reason === undefined ? base : `${base}, error="invalid_token", error_description="${quotable(reason)}"`;
}
