import { Agent, request } from 'node:https';
import { createSecureContext } from 'node:tls';
import { apiException } from './library.js';
import { kubeSpan } from '../telemetry/spans.js';
import type { ClusterCredentials } from './credentials.js';

/**
 * A small REST client for the Kubernetes API over one keep-alive HTTPS agent with one parsed
 * secure context: the fast path of bundle work, which makes hundreds of calls (client-node 1.x
 * built a new TLS agent per request, so a 200-object apply was mostly handshakes; 2.x keeps an
 * undici dispatcher per KubeConfig, and this path stays the measured one). Errors are thrown
 * as client-node's ApiException, so src/kube/errors.ts stays the one place that maps them.
 */

export interface RestRequest {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /** Defaults to application/json when there is a body. */
  contentType?: string;
  accept?: string;
  timeoutMs?: number;
}

export interface RestResponse<T> {
  status: number;
  body: T;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/** One API server, one connection pool. Close it when the batch of calls is done. */
export class KubeRest {
  private readonly agent: Agent;
  private readonly base: URL;
  private readonly headers: Record<string, string>;

  constructor(creds: ClusterCredentials, opts: { maxSockets?: number } = {}) {
    this.base = new URL(creds.endpoint);
    const tls = creds.auth.kind === 'clientCertificate' ? { cert: creds.auth.certPem, key: creds.auth.keyPem } : {};
    // One secure context for every connection: the PEMs are parsed once, not per socket.
    const secureContext = createSecureContext({ ca: creds.caPem, ...tls });
    this.agent = new Agent({ keepAlive: true, maxSockets: opts.maxSockets ?? 16, secureContext });
    this.headers = creds.auth.kind === 'bearerToken' ? { authorization: `Bearer ${creds.auth.token}` } : {};
  }

  /**
   * Sends one request; resolves with the parsed JSON body for 2xx, throws ApiException for any
   * other status and the socket error for network failures.
   *
   * @example const { body } = await rest.request('GET', '/api/v1/namespaces/default');
   */
  request<T = unknown>(method: string, path: string, opts: RestRequest = {}): Promise<RestResponse<T>> {
    const url = new URL(path, this.base);
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const payload = opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
    const headers: Record<string, string> = { ...this.headers, accept: opts.accept ?? 'application/json' };
    if (payload !== undefined) {
      headers['content-type'] = opts.contentType ?? 'application/json';
      headers['content-length'] = String(Buffer.byteLength(payload));
    }
    return kubeSpan(method, url, () => new Promise<RestResponse<T>>((resolve, reject) => {
      const req = request(url, { method, agent: this.agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          if (text && /json/.test(res.headers['content-type'] ?? '')) {
            try {
              body = JSON.parse(text);
            } catch {
              // keep the text: the error below carries what the server said
            }
          }
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve({ status, body: body as T });
          else reject(apiException(status, res.statusMessage ?? `HTTP ${status}`, body, res.headers as Record<string, string>));
        });
      });
      req.setTimeout(opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, () => {
        req.destroy(Object.assign(new Error(`${method} ${url.pathname} timed out`), { code: 'ETIMEDOUT' }));
      });
      req.on('error', reject);
      req.end(payload);
    }));
  }

  /** Closes the pooled connections. */
  close(): void {
    this.agent.destroy();
  }
}

/** Runs `body` with a client that is closed afterwards, whatever happens. */
export async function withRest<T>(creds: ClusterCredentials, body: (rest: KubeRest) => Promise<T>, maxSockets?: number): Promise<T> {
  const rest = new KubeRest(creds, maxSockets ? { maxSockets } : {});
  try {
    return await body(rest);
  } finally {
    rest.close();
  }
}
