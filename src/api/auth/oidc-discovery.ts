import { isTrustedUrl } from '../../domain/api/api-config.js';

/**
 * OpenID Connect Discovery, the one part the API needs: where the issuer publishes its signing
 * keys. The document is fetched on first use and kept; a failed fetch is not kept, so the next
 * request tries again instead of the API refusing everyone until it restarts.
 */

/** A discovery failure; its message names the issuer and what went wrong, never a token. */
export class DiscoveryError extends Error {
  override name = 'DiscoveryError';
}

/** `<issuer>/.well-known/openid-configuration`, one slash between them whatever the issuer ends with. */
export function discoveryUrlOf(issuer: string): string {
  return `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
}

/** Fetches and checks the issuer's discovery document once; returns its jwks_uri. */
export function createJwksUriDiscovery(issuer: string, options: { timeoutMs?: number; fetch?: typeof fetch } = {}): () => Promise<URL> {
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 5_000;
  let cached: Promise<URL> | undefined;
  const discover = async (): Promise<URL> => {
    const url = discoveryUrlOf(issuer);
    let res: Response;
    try {
      res = await doFetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/json' } });
    } catch (e) {
      throw new DiscoveryError(`OIDC discovery at ${url} failed: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (!res.ok) throw new DiscoveryError(`OIDC discovery at ${url} answered HTTP ${res.status}`);
    const doc = (await res.json().catch(() => undefined)) as { issuer?: unknown; jwks_uri?: unknown } | undefined;
    // The spec requires the document's issuer to be exactly ours: otherwise we would trust another issuer's keys.
    if (doc?.issuer !== issuer) throw new DiscoveryError(`OIDC discovery at ${url}: the document's issuer is not ${issuer}`);
    if (typeof doc.jwks_uri !== 'string' || !isTrustedUrl(doc.jwks_uri)) throw new DiscoveryError(`OIDC discovery at ${url}: jwks_uri is missing or not an https URL`);
    return new URL(doc.jwks_uri);
  };
  return () => {
    if (cached) return cached;
    const pending: Promise<URL> = discover().catch((e: unknown) => {
      if (cached === pending) cached = undefined;
      throw e;
    });
    cached = pending;
    return pending;
  };
}
