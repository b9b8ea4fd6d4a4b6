import { z } from 'zod';
import { durationSchema } from '../time/durations.js';
import { CodecServerConfigSchema } from './codec-access.js';

/**
 * The `api` section of the Fleetflow config file: where the change-management API listens and
 * which OIDC issuer it trusts. Without `oidc` only static API tokens (access.tokens) get in.
 */

/** Where `fleetflow api` listens unless the config or FLEETFLOW_API_ADDRESS says otherwise. */
export const DEFAULT_API_ADDRESS = '127.0.0.1:8080';
/** The claim that carries a user's groups unless `oidc.groupsClaim` names another. */
export const DEFAULT_GROUPS_CLAIM = 'groups';
/** Clocks of the issuer and the API may disagree by this much (exp and nbf). */
export const DEFAULT_CLOCK_SKEW = '60s';

const ADDRESS = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?):(\d{1,5})$/;
const ADDRESS_ERROR = 'must be host:port, e.g. 127.0.0.1:8080 or [::1]:8080, with a port from 1 to 65535';

/** "127.0.0.1:8080" -> { host: "127.0.0.1", port: 8080 }; "[::1]:80" -> { host: "::1", port: 80 }. */
export function parseListenAddress(text: string): { ok: true; host: string; port: number } | { ok: false; error: string } {
  const m = ADDRESS.exec(text);
  const port = Number(m?.[3]);
  if (!m || port < 1 || port > 65535) return { ok: false, error: ADDRESS_ERROR };
  return { ok: true, host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

/** A listen address, kept as written (a log line or URL shows it as the user typed it). */
export const ListenAddressSchema = z.string().refine((s) => parseListenAddress(s).ok, ADDRESS_ERROR);

const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '[::1]'];

/** True for https URLs, and for http ones on this machine (an issuer run for tests or development). */
export function isTrustedUrl(text: string): boolean {
  if (!URL.canParse(text)) return false;
  const url = new URL(text);
  return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.includes(url.hostname));
}

// Keys are fetched from these URLs: over plain http anyone on the path could hand us theirs.
const TRUSTED_URL_ERROR = 'must be an https URL (http only on 127.0.0.1, localhost or [::1])';
const TrustedUrlSchema = z.string().refine(isTrustedUrl, TRUSTED_URL_ERROR);

const IssuerSchema = TrustedUrlSchema.refine((s) => !URL.canParse(s) || (!new URL(s).search && !new URL(s).hash), 'must have no query or fragment (OpenID Connect Discovery)');

const NonEmpty = z.string().min(1, 'must not be empty');

/** The OIDC issuer whose access tokens the API accepts. */
export const OidcConfigSchema = z
  .object({
    /** Compared exactly with the tokens' `iss`; its discovery document names the JWKS unless jwksUri does. */
    issuer: IssuerSchema,
    /** The tokens' `aud` must hold this (or one of these). */
    audience: z.union([NonEmpty, z.array(NonEmpty).min(1, 'must name at least one audience')], { error: 'must be a string or a list of strings' }),
    /** Where the issuer's signing keys are; from `<issuer>/.well-known/openid-configuration` when absent. */
    jwksUri: TrustedUrlSchema.optional(),
    /** The claim (a list of strings) whose values bindings match as `groups`. */
    groupsClaim: NonEmpty.default(DEFAULT_GROUPS_CLAIM),
    /** Tolerance for exp and nbf, in milliseconds after parsing; at most 10m. */
    clockSkew: durationSchema(10 * 60_000, '10m').prefault(DEFAULT_CLOCK_SKEW),
  })
  .strict();
export type OidcConfig = z.output<typeof OidcConfigSchema>;
export type OidcConfigInput = z.input<typeof OidcConfigSchema>;

/** The `api` section of the config file; `{}` is the default (127.0.0.1:8080, API tokens only). */
export const ApiConfigSchema = z
  .object({
    address: ListenAddressSchema.default(DEFAULT_API_ADDRESS),
    oidc: OidcConfigSchema.optional(),
    /** The codec server's browser origins (src/domain/api/codec-access.ts); absent: none. */
    codec: CodecServerConfigSchema.optional(),
  })
  .strict();
export type ApiConfig = z.output<typeof ApiConfigSchema>;
