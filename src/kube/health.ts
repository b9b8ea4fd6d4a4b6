import { request } from 'node:https';
import { apiException } from './library.js';
import { kubeSpan } from '../telemetry/spans.js';
import type { ClusterCredentials } from './credentials.js';
import { kubeError } from './errors.js';

export interface ApiServerHealth {
  /** /readyz answered 200: every readiness check of the API server passed. */
  ready: boolean;
  /** The /readyz?verbose body (one line per check), or why it could not be fetched. */
  checks: string;
  /** Kubernetes release from /version without the "v", when the server answered. */
  version?: string;
}

interface RawResponse {
  status: number;
  body: string;
}

/**
 * GET on the API server with the credentials' CA and client certificate or token. Plain
 * node:https rather than client-node: health endpoints are not API objects, and this keeps
 * the probe cheap enough to run on every describe.
 */
export function apiGet(creds: ClusterCredentials, path: string, timeoutMs = 5_000): Promise<RawResponse> {
  const url = new URL(path, creds.endpoint);
  const auth =
    creds.auth.kind === 'clientCertificate'
      ? { cert: creds.auth.certPem, key: creds.auth.keyPem, headers: {} }
      : { headers: { authorization: `Bearer ${creds.auth.token}` } };
  return kubeSpan('GET', url, () => new Promise<RawResponse>((resolve, reject) => {
    const req = request(
      url,
      { method: 'GET', ca: creds.caPem, ...auth, headers: { accept: 'application/json, */*', ...auth.headers }, timeout: timeoutMs, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error(`GET ${path} timed out after ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end();
  }));
}

/** "v1.35.4" -> "1.35.4". */
function parseVersion(body: string): string | undefined {
  try {
    const v = (JSON.parse(body) as { gitVersion?: unknown }).gitVersion;
    return typeof v === 'string' ? v.replace(/^v/, '') : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The Kubernetes release the API server reports, e.g. "1.35.4". Throws a mapped
 * FleetflowError (TransientError when unreachable).
 */
export async function serverVersion(creds: ClusterCredentials, timeoutMs = 5_000): Promise<string> {
  let res: RawResponse;
  try {
    res = await apiGet(creds, '/version', timeoutMs);
  } catch (e) {
    throw kubeError(e, `GET ${creds.endpoint}/version`);
  }
  const version = res.status === 200 ? parseVersion(res.body) : undefined;
  if (!version) {
    throw kubeError(apiException(res.status, 'version', res.body, {}), `GET ${creds.endpoint}/version`);
  }
  return version;
}

/**
 * Whether the API server is ready, with its per-check report. Never throws: an unreachable
 * server is `{ ready: false, checks: <why> }`, which is what a poller wants.
 *
 * @example const h = await apiServerHealth(creds); if (!h.ready) console.log(h.checks);
 */
export async function apiServerHealth(creds: ClusterCredentials, timeoutMs = 5_000): Promise<ApiServerHealth> {
  try {
    const readyz = await apiGet(creds, '/readyz?verbose', timeoutMs);
    const checks = readyz.body.trim();
    if (readyz.status !== 200) return { ready: false, checks: checks || `HTTP ${readyz.status}` };
    const version = await apiGet(creds, '/version', timeoutMs);
    const parsed = version.status === 200 ? parseVersion(version.body) : undefined;
    return parsed ? { ready: true, checks, version: parsed } : { ready: true, checks };
  } catch (e) {
    return { ready: false, checks: e instanceof Error ? e.message : String(e) };
  }
}
