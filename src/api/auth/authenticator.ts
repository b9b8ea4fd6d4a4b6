import type { OidcConfig } from '../../domain/api/api-config.js';
import type { Principal } from '../../domain/auth/authorize.js';
import type { AccessPolicy } from '../../domain/auth/policy.js';
import { createApiTokenMatcher, hasApiTokenPrefix, isWellFormedApiToken } from './api-tokens.js';
import { bearerChallenge, parseAuthorization } from './bearer.js';
import { createOidcVerifier, looksLikeJwt, type OidcVerifierOptions } from './oidc-verifier.js';

/** Who made the request, or a 401 with the reason and the challenge to send. */
export type Authentication =
  | { ok: true; principal: Principal }
  | { ok: false; status: 401; reason: string; wwwAuthenticate: string };

/** Reads a request's Authorization header; nothing else is consulted. */
export type Authenticator = (authorizationHeader: string | undefined) => Promise<Authentication>;

export interface AuthenticatorOptions {
  /** Its `tokens` are the static API tokens (hashes); bindings are authorization's business. */
  policy: AccessPolicy;
  /** The trusted OIDC issuer; without it only API tokens get in. */
  oidc?: OidcConfig;
  /** Clock and timeouts of the OIDC verifier (tests). */
  verifier?: OidcVerifierOptions;
}

/**
 * Authenticates requests: a Fleetflow API token (`ffat_...`, matched by its SHA-256 against
 * access.tokens) becomes a `token` principal named like the token; a JWT from the OIDC issuer
 * becomes an `oidc` principal (subject, groups). A bearer that has the API token prefix is never
 * read as a JWT. Anything else is a 401 whose reason names what failed and never the token.
 *
 * @example
 *   const authenticate = createAuthenticator({ policy: config.access, oidc: config.api.oidc });
 *   const r = await authenticate(req.headers.authorization);
 *   if (!r.ok) return new Response(r.reason, { status: r.status, headers: { 'WWW-Authenticate': r.wwwAuthenticate } });
 */
export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  const matchToken = createApiTokenMatcher(options.policy.tokens);
  const verifyJwt = options.oidc ? createOidcVerifier(options.oidc, options.verifier) : undefined;
  const refuse = (reason: string, challenge = bearerChallenge(reason)): Authentication => ({ ok: false, status: 401, reason, wwwAuthenticate: challenge });
  const asToken = (name: string): Authentication => ({ ok: true, principal: { kind: 'token', subject: name, groups: [] } });

  return async (header) => {
    const credentials = parseAuthorization(header);
    switch (credentials.kind) {
      case 'none':
        return refuse('no credentials: send Authorization: Bearer <token>', bearerChallenge());
      case 'other-scheme':
        return refuse(`the ${credentials.scheme} scheme is not accepted: send Authorization: Bearer <token>`, bearerChallenge());
      case 'malformed':
        return refuse(credentials.reason);
    }
    const { token } = credentials;
    if (hasApiTokenPrefix(token)) {
      if (!isWellFormedApiToken(token)) return refuse('malformed API token: not the length or characters of a Fleetflow API token');
      const name = matchToken(token);
      return name ? asToken(name) : refuse('unknown API token: it matches no token of the access policy (revoked or mistyped?)');
    }
    if (looksLikeJwt(token)) {
      if (!verifyJwt) return refuse('OIDC tokens are not accepted: the config file has no api.oidc issuer (API tokens only)');
      const verified = await verifyJwt(token);
      return verified.ok ? verified : refuse(verified.reason);
    }
    // A token made by hand (its hash put in access.tokens by the operator) has no prefix.
    const name = matchToken(token);
    return name ? asToken(name) : refuse('unknown token: neither an API token of the access policy nor a signed JWT');
  };
}
