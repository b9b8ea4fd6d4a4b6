import { z } from 'zod';

/**
 * Which URLs a caller's callbackUrl may name: host patterns written like a Content Security
 * Policy host source. `hooks.example.com` allows https on port 443 only; `*.example.com` any
 * subdomain (not example.com itself); a port (`:8443`, or `:*` for any) widens the port;
 * `http://` allows plain http (only then). Matching is on the URL as parsed (lowercase host,
 * IPv4 in dotted form, IPv6 in brackets), so `http://0x7f.1/` is 127.0.0.1 and matches only a
 * pattern for 127.0.0.1.
 *
 * @example
 *   callbackUrlAllowed('https://acme.service-now.com/api/x', ['*.service-now.com']) // true
 *   callbackUrlAllowed('http://acme.service-now.com/api/x', ['*.service-now.com'])  // false: http
 *   callbackUrlAllowed('http://127.0.0.1:9000/hook', ['http://127.0.0.1:*'])       // true
 */

interface HostPattern {
  scheme: 'http' | 'https';
  /** `*.` prefix: any subdomain of `host`. */
  subdomains: boolean;
  host: string;
  /** A port number, or '*' for any; the scheme's default port when absent. */
  port?: string;
}

const PATTERN = /^(?:(https?):\/\/)?(\*\.)?([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::(\d{1,5}|\*))?$/;
const DEFAULT_PORT = { http: '80', https: '443' } as const;

const PATTERN_ERROR = 'must be a host pattern such as hooks.example.com, *.example.com, hooks.example.com:8443 or http://127.0.0.1:*';

function parsePattern(text: string): HostPattern | undefined {
  const m = PATTERN.exec(text);
  if (!m) return undefined;
  const [, scheme = 'https', star, rawHost, port] = m;
  if (port !== undefined && port !== '*' && (Number(port) < 1 || Number(port) > 65535)) return undefined;
  // Let the URL parser spell the host the way it spells a callbackUrl's (127.1 is 127.0.0.1).
  let host: string;
  try {
    host = new URL(`http://${rawHost}/`).hostname;
  } catch {
    return undefined;
  }
  if (star && host.startsWith('[')) return undefined;
  return { scheme: scheme as HostPattern['scheme'], subdomains: star !== undefined, host, ...(port ? { port } : {}) };
}

/** One entry of `webhooks.allowedCallbackHosts`. */
export const CallbackHostPatternSchema = z.string().refine((p) => parsePattern(p) !== undefined, PATTERN_ERROR);

function matches(p: HostPattern, url: URL): boolean {
  const scheme = url.protocol.slice(0, -1);
  if (scheme !== p.scheme) return false;
  const host = url.hostname;
  if (p.subdomains ? !host.endsWith(`.${p.host}`) : host !== p.host) return false;
  const port = url.port || DEFAULT_PORT[p.scheme];
  return p.port === '*' || port === (p.port ?? DEFAULT_PORT[p.scheme]);
}

/** True when one of `patterns` allows `url` (an absolute http or https URL). */
export function callbackUrlAllowed(url: string, patterns: readonly string[]): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return patterns.some((text) => {
    const p = parsePattern(text);
    return p !== undefined && matches(p, parsed);
  });
}
