import { OpenAPIHono } from '@hono/zod-openapi';
import type { Client } from '@temporalio/client';
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AccessPolicy } from '../domain/auth/policy.js';
import { DEFAULT_WEBHOOKS_CONFIG, type WebhooksConfig } from '../domain/change/webhooks-config.js';
import { auditNameOf } from '../domain/change/request.js';
import type { ApiEnv } from './app-env.js';
import type { Authenticator } from './auth/authenticator.js';
import type { ApiDeps } from './deps.js';
import { toProblem } from './errors.js';
import { ApiProblem, invalidInput, PROBLEM_BASE, problemResponse, requestProblems } from './problem.js';
import { registerActionRoutes } from './routes/actions.js';
import { registerChangeRoutes } from './routes/changes.js';
import { registerClusterRoutes } from './routes/clusters.js';
import { registerPlacementRoutes } from './routes/placements.js';
import { registerPolicyRoutes } from './routes/policies.js';
import { CODEC_BODY_BYTES, registerCodecRoutes } from './routes/codec.js';
import type { PayloadCodec } from '@temporalio/common';
import { registerDocsRoutes } from './routes/docs.js';
import { registerApiMetrics } from './metrics.js';
import { registerAccessLog, type ApiLogger } from './access-log.js';
import { LineLogger } from '../telemetry/log-format.js';
import { TicketRef } from './schemas.js';
import { TokenBuckets, type RateLimits } from './token-bucket.js';
import { ChangeReads } from './change-reads.js';
import { readChange } from '../temporal/changes.js';

/** The limits of the server: body size, time per request, requests per principal. */
export interface ApiLimits {
  /** Largest request body, in bytes (default 1 MiB): larger is a 413. */
  bodyBytes: number;
  /** Longest a request may take (default 30 s): then a 504, and the client may repeat it (POSTs are idempotent). */
  requestTimeoutMs: number;
  /** Per principal (default 20/s, bursts of 40): more is a 429 with Retry-After. */
  rate: RateLimits;
  /**
   * How long a repeated POST waits for the change's own answer (default 5 s) before it answers
   * 200 from what the change's start recorded: a retry must not fail because no worker runs.
   */
  repeatAnswerMs: number;
  /**
   * How long a change's read answers the reads after it (default 1 s; 0 asks Temporal every
   * time): polling callers share one read instead of three Temporal calls each (see ChangeReads).
   */
  readFreshMs: number;
}

export const DEFAULT_LIMITS: ApiLimits = { bodyBytes: 1024 * 1024, requestTimeoutMs: 30_000, rate: { ratePerSecond: 20, burst: 40 }, repeatAnswerMs: 5_000, readFreshMs: 1_000 };

/** What createApi needs. */
export interface ApiOptions {
  client: Client;
  namespace: string;
  taskQueue: string;
  access: AccessPolicy;
  authenticate: Authenticator;
  /** The config's webhooks section (default: none, so a callbackUrl is refused and there are no subscribers). */
  webhooks?: WebhooksConfig;
  /** The Temporal UI, for links: e.g. http://127.0.0.1:8233. */
  uiBaseUrl: string;
  limits?: Partial<ApiLimits>;
  /** The clock (rate limits, timestamps); tests inject theirs. */
  now?: () => number;
  /**
   * Where the access log and unexpected failures go (default: JSON lines on stderr, readable on
   * a terminal; see src/telemetry/log-format.ts). Never given a request's headers or body.
   */
  logger?: ApiLogger;
  /**
   * The codec server (/codec/encode, /codec/decode) with the client's codecs; absent: no codec
   * routes. `devOrigin` is `fleetflow dev up`'s UI, let in without a token from loopback.
   */
  codec?: { payloadCodecs: readonly PayloadCodec[]; corsOrigins: readonly string[]; devOrigin?: string };
}

const API_DESCRIPTION = `The change-management API of Fleetflow: change systems (ServiceNow, Jira, a CI pipeline) open a change
for a ticket, follow it, approve its gates and receive signed callbacks.

* **Authentication**: every \`/v1\` route needs \`Authorization: Bearer <token>\` (an OIDC access token or a static API token).
* **Change ids** are \`<system>/<ticketId>\`, the workflow id without its \`change/\` prefix: \`/v1/changes/servicenow/CHG0031337\`.
* **Errors** are \`application/problem+json\` (RFC 9457). \`type\` is \`${PROBLEM_BASE}<failureType>\`, one per failure type of
  Fleetflow's failure table (InvalidInput, Unauthenticated, NotPermitted, ChangeUnknown, ChangeConflict, OperatorActionRefused,
  RateLimited, ...); \`failureType\` names it; a validation problem lists every bad field in \`errors\` by path.`;

/** The limit and the timeout run on every request, so even the public routes cannot be made to hang or swallow memory. */
function limitsMiddleware(limits: ApiLimits): MiddlewareHandler[] {
  const tooLarge = (max: number) => () => {
    throw new ApiProblem('RequestTooLarge', `the request body is larger than ${max} bytes`);
  };
  // The codec server takes payloads up to Temporal's 2 MiB blob limit, in base64.
  const apiBody = bodyLimit({ maxSize: limits.bodyBytes, onError: tooLarge(limits.bodyBytes) });
  const codecBody = bodyLimit({ maxSize: Math.max(limits.bodyBytes, CODEC_BODY_BYTES), onError: tooLarge(Math.max(limits.bodyBytes, CODEC_BODY_BYTES)) });
  const body: MiddlewareHandler = (c, next) => (new URL(c.req.url).pathname.startsWith('/codec/') ? codecBody(c, next) : apiBody(c, next));
  const timeout: MiddlewareHandler = async (_c, next) => {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ApiProblem('RequestTimedOut', `the request took longer than ${limits.requestTimeoutMs} ms; a POST may be repeated safely`)), limits.requestTimeoutMs);
    });
    try {
      await Promise.race([next(), expired]);
    } finally {
      clearTimeout(timer);
    }
  };
  return [body, timeout];
}

/** Authentication, then the principal's rate limit: every /v1 request. */
function callerMiddleware(authenticate: Authenticator, buckets: TokenBuckets): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const auth = await authenticate(c.req.header('authorization'));
    if (!auth.ok) throw new ApiProblem('Unauthenticated', auth.reason, { headers: { 'www-authenticate': auth.wwwAuthenticate } });
    const who = auditNameOf(auth.principal);
    const take = buckets.take(who);
    if (!take.ok) {
      throw new ApiProblem('RateLimited', `${who} sent more than ${buckets.limits.ratePerSecond} requests per second (bursts of ${buckets.limits.burst}); try again in ${take.retryAfterSeconds} s`, {
        headers: { 'retry-after': String(take.retryAfterSeconds) },
        retryAfter: take.retryAfterSeconds,
      });
    }
    c.set('principal', auth.principal);
    await next();
  };
}

/** An unexpected error for the log: its stack and its causes' messages (a Temporal ServiceError says little by itself). */
function describeError(err: unknown): string {
  const parts = [err instanceof Error ? (err.stack ?? err.message) : String(err)];
  for (let e = (err as { cause?: unknown })?.cause, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    parts.push(`caused by: ${e instanceof Error ? e.message : String(e)}`);
  }
  return parts.join('\n');
}

/** Routes by method, to tell a 405 (the path exists) from a 404. */
function allowedMethods(app: OpenAPIHono<ApiEnv>, path: string): string[] {
  const methods = new Set<string>();
  for (const r of app.routes) {
    if (r.method === 'ALL' || r.path.includes('*')) continue;
    const pattern = new RegExp(`^${r.path.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\/:[^/]+/g, '/[^/]+')}$`);
    if (pattern.test(path)) methods.add(r.method);
  }
  if (methods.has('GET')) methods.add('HEAD');
  return [...methods].sort();
}

/**
 * The API as a Hono app (serve it with serveApi, or call app.fetch in tests). Every answer that
 * is not a success is a problem+json, including unknown routes, wrong methods, bad JSON, wrong
 * content types, too large bodies, timeouts and rate limits; none of them changes anything.
 *
 * @example const app = createApi({ client, namespace: 'fleetflow', taskQueue: 'fleetflow', access, authenticate, uiBaseUrl: 'http://127.0.0.1:8233' });
 */
export function createApi(opts: ApiOptions): OpenAPIHono<ApiEnv> {
  const limits: ApiLimits = { ...DEFAULT_LIMITS, ...opts.limits };
  const now = opts.now ?? Date.now;
  const logger = opts.logger ?? new LineLogger({ base: { component: 'api' }, write: (line) => process.stderr.write(`${line}\n`) });
  const deps: ApiDeps = {
    client: opts.client,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    access: opts.access,
    webhooks: opts.webhooks ?? DEFAULT_WEBHOOKS_CONFIG,
    uiBaseUrl: opts.uiBaseUrl,
    now,
    repeatAnswerMs: limits.repeatAnswerMs,
    reads: new ChangeReads((id, o) => readChange(opts.client, id, o), limits.readFreshMs, now),
  };

  const app = new OpenAPIHono<ApiEnv>({
    // Every validation failure of params, query and body: 400 naming each field by path.
    defaultHook: (result) => {
      if (!result.success) throw invalidInput(requestProblems(result.error), result.target === 'json' ? 'request' : `${result.target === 'param' ? 'path' : result.target}`);
    },
  });

  app.onError((err, c) => {
    const { problem, unexpected } = toProblem(err);
    if (unexpected) logger.error('request failed unexpectedly', { method: c.req.method, path: new URL(c.req.url).pathname, error: describeError(err) });
    return problemResponse(c, problem);
  });
  app.notFound((c) => {
    const path = new URL(c.req.url).pathname;
    const allowed = allowedMethods(app, path);
    if (allowed.length) {
      return problemResponse(c, new ApiProblem('HttpMethodNotAllowed', `${c.req.method} is not allowed on ${path} (allowed: ${allowed.join(', ')})`, { headers: { allow: allowed.join(', ') } }));
    }
    return problemResponse(c, new ApiProblem('RouteNotFound', `no resource at ${path}; the routes are listed at /openapi.json`));
  });

  // First, so they see everything after them, rate limits and refusals included (and /metrics itself).
  registerAccessLog(app, logger);
  registerApiMetrics(app);
  app.use('*', async (c, next) => {
    await next();
    c.header('x-content-type-options', 'nosniff');
  });
  app.use('*', ...limitsMiddleware(limits));
  app.use('/v1/*', callerMiddleware(opts.authenticate, new TokenBuckets(limits.rate, now)));

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'An OIDC access token (JWT) of the configured issuer, or a static API token (`fleetflow api token create`).',
  });
  // Named by zod's meta() (see schemas.ts), so registered by hand: the generator refers to it but lists only what it registered.
  app.openAPIRegistry.register('Ticket', TicketRef);
  registerChangeRoutes(app, deps);
  registerActionRoutes(app, deps);
  registerClusterRoutes(app, deps);
  registerPlacementRoutes(app, deps);
  registerPolicyRoutes(app, deps);
  registerDocsRoutes(app);
  if (opts.codec) registerCodecRoutes(app, { ...opts.codec, namespace: opts.namespace, access: opts.access, authenticate: opts.authenticate });

  let document: unknown;
  app.get('/openapi.json', (c) => {
    document ??= app.getOpenAPI31Document({
      openapi: '3.1.0',
      info: { title: 'Fleetflow API', version: '1', description: API_DESCRIPTION },
      tags: [
        { name: 'changes', description: 'Changes: one fleet operation per ticket.' },
        { name: 'actions', description: 'Operator actions on a running change.' },
        { name: 'clusters', description: 'The inventory.' },
        { name: 'placements', description: 'Placements: previews, and placements in force with every decision and reason.' },
        { name: 'policies', description: 'Fleet policies and the fleet x policy compliance matrix.' },
      ],
    });
    return c.json(document as object);
  });
  return app;
}

