import { createRemoteJWKSet, decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';
import type { OidcConfig } from '../../domain/api/api-config.js';
import type { Principal } from '../../domain/auth/authorize.js';
import { formatDuration } from '../../domain/time/durations.js';
import { createJwksUriDiscovery, DiscoveryError } from './oidc-discovery.js';

/**
 * Verifies OIDC access tokens (JWTs) against the issuer's published keys with jose: signature by
 * a key of the issuer's JWKS, an allowed asymmetric algorithm, issuer, audience, exp and nbf
 * within the clock skew, a subject. Symmetric algorithms (HS*) are never accepted: with them
 * anyone who knows the verification key could mint tokens, and `none` signs nothing.
 */

/** The signing algorithms accepted; Ed25519 is EdDSA's fully specified name (RFC 9864). */
export const ALLOWED_ALGORITHMS = ['RS256', 'ES256', 'PS256', 'EdDSA', 'Ed25519'] as const;

/** A verified token's principal, or the reason it was refused (never the token itself). */
export type OidcVerification = { ok: true; principal: Principal } | { ok: false; reason: string };

/** Three base64url parts: what a signed JWT looks like before anything is decoded. */
export function looksLikeJwt(bearer: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(bearer);
}

export interface OidcVerifierOptions {
  /** The clock tokens are checked against (tests); the system clock by default. */
  now?: () => Date;
  /** How long a discovery or JWKS fetch may take. */
  timeoutMs?: number;
}

/** A verifier for one issuer; keys are fetched on first use and cached (refetched for an unknown kid). */
export function createOidcVerifier(config: OidcConfig, options: OidcVerifierOptions = {}): (jwt: string) => Promise<OidcVerification> {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const remote = (uri: URL) => createRemoteJWKSet(uri, { timeoutDuration: timeoutMs });
  const discover = createJwksUriDiscovery(config.issuer, { timeoutMs });
  // One key set for every request, including those that arrive while discovery runs (a key set
  // made per waiting request would fetch the JWKS once each).
  const configured = config.jwksUri ? remote(new URL(config.jwksUri)) : undefined;
  let discovered: Promise<ReturnType<typeof remote>> | undefined;
  const keySet = async () => {
    if (configured) return configured;
    const pending = (discovered ??= discover().then(remote));
    try {
      return await pending;
    } catch (e) {
      if (discovered === pending) discovered = undefined; // the next request tries again
      throw e;
    }
  };
  const skew = formatDuration(config.clockSkew);

  return async (jwt) => {
    if (!looksLikeJwt(jwt)) return { ok: false, reason: 'malformed token: neither a Fleetflow API token nor a signed JWT' };
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(jwt, await keySet(), {
        issuer: config.issuer,
        audience: config.audience,
        algorithms: [...ALLOWED_ALGORITHMS],
        clockTolerance: config.clockSkew / 1000,
        requiredClaims: ['sub', 'exp'],
        ...(options.now ? { currentDate: options.now() } : {}),
      }));
    } catch (e) {
      return { ok: false, reason: reasonOf(e, jwt, config, skew) };
    }
    return principalOf(payload, config);
  };
}

/** The principal a verified payload names: its subject, its groups claim, a name for messages. */
function principalOf(payload: JWTPayload, config: OidcConfig): OidcVerification {
  if (typeof payload.sub !== 'string' || payload.sub === '') return { ok: false, reason: 'the token has no subject (sub claim)' };
  const groups = payload[config.groupsClaim] ?? [];
  if (!Array.isArray(groups) || !groups.every((g) => typeof g === 'string')) {
    return { ok: false, reason: `the token's groups claim ${config.groupsClaim} is not a list of strings` };
  }
  const displayName = [payload.name, payload.preferred_username, payload.email].find((v): v is string => typeof v === 'string' && v !== '');
  return { ok: true, principal: { kind: 'oidc', subject: payload.sub, groups, ...(displayName ? { displayName } : {}) } };
}

/** The algorithm a refused token claims, if it is a plain name (it comes from the token: never trusted). */
function claimedAlgorithm(jwt: string): string | undefined {
  try {
    const alg = decodeProtectedHeader(jwt).alg;
    return typeof alg === 'string' && /^[A-Za-z0-9]{1,16}$/.test(alg) ? alg : undefined;
  } catch {
    return undefined;
  }
}

/** Why jose refused a token, in words that name the failed check. */
function reasonOf(e: unknown, jwt: string, config: OidcConfig, skew: string): string {
  const audiences = [config.audience].flat().join(', ');
  if (e instanceof errors.JWTExpired) return `the token has expired (${skew} of clock skew allowed)`;
  if (e instanceof errors.JWTClaimValidationFailed) {
    if (e.reason === 'missing') return `the token has no ${e.claim} claim`;
    if (e.claim === 'nbf') return `the token is not valid yet (nbf is more than ${skew} ahead)`;
    if (e.claim === 'aud') return `wrong audience: the token is not for ${audiences}`;
    if (e.claim === 'iss') return `wrong issuer: the token is not from ${config.issuer}`;
    return `the token's ${e.claim} claim is invalid`;
  }
  if (e instanceof errors.JOSEAlgNotAllowed) {
    const alg = claimedAlgorithm(jwt);
    return `the token's signing algorithm${alg ? ` ${alg}` : ''} is not allowed (only ${ALLOWED_ALGORITHMS.join(', ')})`;
  }
  if (e instanceof errors.JWSSignatureVerificationFailed) return "bad signature: the token was not signed by the issuer's key";
  if (e instanceof errors.JWKSNoMatchingKey) return "unknown key: no key of the issuer's JWKS matches the token's kid";
  if (e instanceof errors.JWKSInvalid) return "cannot verify the token: the issuer's JWKS is invalid";
  if (e instanceof errors.JWKSTimeout) return "cannot verify the token: the issuer's keys could not be fetched in time";
  if (e instanceof errors.JOSENotSupported) return 'the token uses a key type or algorithm this API does not support';
  if (e instanceof errors.JWSInvalid || e instanceof errors.JWTInvalid) return 'malformed token: not a valid signed JWT';
  if (e instanceof DiscoveryError) return `cannot verify the token: ${e.message}`;
  return "cannot verify the token: the issuer's keys could not be fetched";
}
