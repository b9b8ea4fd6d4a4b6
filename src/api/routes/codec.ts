import type { IncomingMessage } from 'node:http';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Payload, PayloadCodec } from '@temporalio/common';
import type { Context, MiddlewareHandler } from 'hono';
import { z } from 'zod';
import { devCodecAllows } from '../../domain/api/codec-access.js';
import { authorizeCodec } from '../../domain/auth/authorize.js';
import type { AccessPolicy } from '../../domain/auth/policy.js';
import { FleetflowError } from '../../errors.js';
import type { ApiEnv } from '../app-env.js';
import type { Authenticator } from '../auth/authenticator.js';
import { ApiProblem, requestProblems, invalidInput } from '../problem.js';

/**
 * The codec server: POST /codec/encode and /codec/decode in the protocol the Temporal UI and
 * the `temporal` CLI speak (`{payloads: [{metadata: {k: base64}, data: base64}]}`, header
 * X-Namespace), so they show decoded inputs, results and queries while Temporal stores
 * ciphertext. Same identity as the API: a bearer token (API token or OIDC access token, which
 * the UI forwards with `codec.passAccessToken`) whose roles grant `codec`. The one exception is
 * `fleetflow dev up`'s local UI, which has no login (see devCodecAllows).
 */

/** What the codec routes need. */
export interface CodecServerOptions {
  /** The data converter's codecs, in encode order (encryption, then the size limit). */
  payloadCodecs: readonly PayloadCodec[];
  /** The namespace it serves; a request naming another in X-Namespace is refused. */
  namespace: string;
  access: AccessPolicy;
  authenticate: Authenticator;
  /** Browser origins CORS lets in (the Temporal UI's). */
  corsOrigins: readonly string[];
  /** `fleetflow dev up` only: the local UI's origin, let in without a token from loopback. */
  devOrigin?: string;
}

/** Largest codec request body: a 2 MiB payload in base64 inside JSON, with room to spare. */
export const CODEC_BODY_BYTES = 4 * 1024 * 1024;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const Base64Schema = z.string().refine((s) => s.length % 4 === 0 && BASE64.test(s), 'must be base64');
const CodecBodySchema = z
  .object({
    payloads: z.array(
      z.object({
        metadata: z.record(z.string(), Base64Schema).optional(),
        data: Base64Schema.optional(),
      }),
    ),
  })
  .strict();
type WirePayload = z.output<typeof CodecBodySchema>['payloads'][number];

const fromWire = (p: WirePayload): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))])),
  data: new Uint8Array(Buffer.from(p.data ?? '', 'base64')),
});
const toWire = (p: Payload): WirePayload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? new Uint8Array()).toString('base64')])),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

const ALLOW_HEADERS = 'Authorization, Content-Type, X-Namespace';

/** The origin of the request if CORS lets it in, else undefined. */
function allowedOrigin(c: Context, opts: CodecServerOptions): string | undefined {
  const origin = c.req.header('origin');
  return origin !== undefined && opts.corsOrigins.includes(origin) ? origin : undefined;
}

/** CORS headers on every answer to an allowed origin, errors included (so the UI can read them). */
function corsMiddleware(opts: CodecServerOptions): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    await next();
    const origin = allowedOrigin(c, opts);
    c.res.headers.append('vary', 'Origin');
    if (!origin) return;
    c.res.headers.set('access-control-allow-origin', origin);
    c.res.headers.set('access-control-allow-credentials', 'true');
  };
}

/** Who calls: the dev UI (no token, dev only), or a principal whose roles grant codec. */
async function admit(c: Context, opts: CodecServerOptions): Promise<void> {
  const peer = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.socket?.remoteAddress;
  if (devCodecAllows(opts.devOrigin, c.req.header('origin'), peer)) return;
  const auth = await opts.authenticate(c.req.header('authorization'));
  if (!auth.ok) throw new ApiProblem('Unauthenticated', auth.reason, { headers: { 'www-authenticate': auth.wwwAuthenticate } });
  const decision = authorizeCodec(opts.access, auth.principal);
  if (!decision.allow) throw new ApiProblem('NotPermitted', decision.reason);
  const namespace = c.req.header('x-namespace');
  if (namespace !== undefined && namespace !== '' && namespace !== opts.namespace) {
    throw new ApiProblem('NotPermitted', `this codec server serves namespace ${opts.namespace}, not ${namespace}`);
  }
}

/** Registers the codec routes (and their CORS preflight) on the API. */
export function registerCodecRoutes(app: OpenAPIHono<ApiEnv>, opts: CodecServerOptions): void {
  app.use('/codec/*', corsMiddleware(opts));
  app.options('/codec/:op{encode|decode}', (c) => {
    const origin = allowedOrigin(c, opts);
    if (!origin) throw new ApiProblem('NotPermitted', `origin ${c.req.header('origin') ?? '(none)'} is not allowed to call the codec server (api.codec.corsOrigins)`);
    return c.body(null, 204, {
      'access-control-allow-methods': 'POST, OPTIONS',
      'access-control-allow-headers': ALLOW_HEADERS,
      'access-control-max-age': '600',
    });
  });
  const route = (op: 'encode' | 'decode') =>
    app.post(`/codec/${op}`, async (c) => {
      await admit(c, opts);
      let raw: unknown;
      try {
        raw = await c.req.json();
      } catch {
        throw new ApiProblem('InvalidInput', 'the request body is not valid JSON', { errors: [{ path: '(body)', message: 'is not valid JSON' }] });
      }
      const parsed = CodecBodySchema.safeParse(raw);
      if (!parsed.success) throw invalidInput(requestProblems(parsed.error));
      let payloads = parsed.data.payloads.map(fromWire);
      try {
        const codecs = op === 'encode' ? opts.payloadCodecs : [...opts.payloadCodecs].reverse();
        for (const codec of codecs) payloads = await (op === 'encode' ? codec.encode(payloads) : codec.decode(payloads));
      } catch (err) {
        // The codec's own refusals (a key not configured, a failed authentication, too large) say what is wrong.
        if (err instanceof FleetflowError) throw new ApiProblem(err.type, err.message);
        throw err;
      }
      return c.json({ payloads: payloads.map(toWire) });
    });
  route('encode');
  route('decode');
}
