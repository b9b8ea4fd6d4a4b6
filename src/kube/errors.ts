import { isApiException } from './library.js';
import type { NonRetryableFailureType } from '../domain/failure-types.js';
import { FleetflowError, PermanentError, TransientError, messageOf } from '../errors.js';

/**
 * The one place where failures of Kubernetes calls become Fleetflow errors, so every caller
 * (apply, read, health, drain) retries the same things: the network, throttling, 5xx and
 * optimistic-concurrency conflicts are transient; a request the server rejected for what it
 * says (bad input, permission, missing object) is permanent.
 */

/** A field of `object` that another field manager owns (from a 409 FieldManagerConflict). */
export interface FieldConflict {
  /** "ConfigMap team-a/settings" */
  object: string;
  /** ".data.tier" */
  field: string;
  /** The field manager that owns it, e.g. "kubectl-edit". */
  manager: string;
}

/** Server-side apply refused to take fields other managers own (not retried; force takes them). */
export class FieldConflictError extends PermanentError {
  constructor(
    message: string,
    readonly conflicts: FieldConflict[],
    options?: { cause?: unknown },
  ) {
    super(message, 'FieldManagerConflict', options);
  }
}

/**
 * Node/socket error codes that mean "the server could not be reached right now". The UND_ERR_
 * ones come from undici, which client-node 2's typed calls go through.
 */
const NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN',
  'ENOTFOUND', 'ECONNABORTED', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** TLS failures: wrong CA or endpoint. Retrying does not change a certificate. */
const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN',
  'ERR_TLS_CERT_ALTNAME_INVALID', 'CERT_HAS_EXPIRED', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
]);

/** The parts of a Kubernetes `Status` body we use. */
interface StatusBody {
  message?: string;
  reason?: string;
  details?: { causes?: { reason?: string; message?: string; field?: string }[] };
}

function parseStatus(body: unknown): StatusBody | undefined {
  if (body && typeof body === 'object') return body as StatusBody;
  if (typeof body === 'string') {
    try {
      const parsed: unknown = JSON.parse(body);
      return parsed && typeof parsed === 'object' ? (parsed as StatusBody) : { message: body };
    } catch {
      return body ? { message: body.slice(0, 500) } : undefined;
    }
  }
  return undefined;
}

/** Walks `cause` chains for a Node error code (fetch wraps socket errors one level down). */
function errorCode(e: unknown): string | undefined {
  for (let cur: unknown = e, depth = 0; cur && typeof cur === 'object' && depth < 5; depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Types for HTTP statuses; anything else in 4xx is `Rejected`. */
const PERMANENT_BY_STATUS: Record<number, NonRetryableFailureType> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
};

/**
 * Maps any error of a Kubernetes call to a FleetflowError whose message names `what`
 * (e.g. "apply ConfigMap team-a/settings") and the server's own words.
 *
 * @example catch (e) { throw kubeError(e, `read Namespace ${name}`); }
 */
export function kubeError(e: unknown, what: string): FleetflowError {
  if (e instanceof FleetflowError) return e;
  if (isApiException(e)) {
    const code = e.code as number;
    const status = parseStatus(e.body);
    const said = status?.message ?? `HTTP ${code}`;
    const message = `${what}: ${said} (HTTP ${code})`;
    if (code === 409) {
      // A server-side-apply conflict means another field manager owns the field: retrying
      // without force gives the same answer, so it is permanent, unlike a resourceVersion race.
      const causes = status?.details?.causes?.filter((c) => c.reason === 'FieldManagerConflict') ?? [];
      if (causes.length > 0) {
        const object = what.replace(/^[a-z-]+ /, '');
        const conflicts = causes.map((c) => ({
          object,
          field: c.field ?? '?',
          manager: /conflict with "([^"]*)"/.exec(c.message ?? '')?.[1] ?? '?',
        }));
        const listed = conflicts.map((c) => `${c.field} is owned by "${c.manager}"`).join(', ');
        return new FieldConflictError(`${what}: conflict: ${listed} (HTTP 409)`, conflicts, { cause: e });
      }
      return new TransientError(message, 'Conflict', { cause: e });
    }
    if (code === 429) return new TransientError(message, 'Throttled', { cause: e });
    if (code === 408 || code === 410 || code >= 500) return new TransientError(message, 'ServerError', { cause: e });
    if (code >= 400) return new PermanentError(message, PERMANENT_BY_STATUS[code] ?? 'Rejected', { cause: e });
    return new TransientError(message, 'UnexpectedResponse', { cause: e });
  }
  const text = messageOf(e);
  // KubernetesObjectApi throws a plain Error when discovery does not know the kind.
  if (/Unrecognized API version and kind/.test(text)) {
    return new PermanentError(`${what}: ${text}`, 'UnknownKind', { cause: e });
  }
  const code = errorCode(e);
  if (code && TLS_CODES.has(code)) return new PermanentError(`${what}: TLS: ${text}`, 'TlsError', { cause: e });
  if ((code && NETWORK_CODES.has(code)) || /socket hang up|network timeout|timed out|aborted/i.test(text)) {
    return new TransientError(`${what}: ${text}`, 'Network', { cause: e });
  }
  // Unknown failures are retried: a bounded retry policy is cheaper than a wrong "never".
  return new TransientError(`${what}: ${text}`, 'Transient', { cause: e });
}

/** True when `e` is a Kubernetes 404 (before or after mapping). */
export function isNotFound(e: unknown): boolean {
  if (isApiException(e)) return e.code === 404;
  return e instanceof FleetflowError && e.type === 'NotFound';
}

/**
 * One error for the failures of a batch (the objects of one tier): a single failure as is;
 * several field conflicts as one FieldConflictError listing them all; otherwise the first
 * permanent failure's type (a retry cannot fix that one) with every message, abridged.
 */
export function combineFailures(errors: readonly FleetflowError[], what: string): FleetflowError {
  if (errors.length === 1) return errors[0]!;
  if (errors.every((e) => e instanceof FieldConflictError)) {
    const conflicts = errors.flatMap((e) => (e as FieldConflictError).conflicts);
    const listed = conflicts.slice(0, 10).map((c) => `${c.object} ${c.field} (owned by "${c.manager}")`).join(', ');
    const more = conflicts.length > 10 ? ` and ${conflicts.length - 10} more` : '';
    return new FieldConflictError(`${what}: ${conflicts.length} field conflicts: ${listed}${more}`, conflicts, { cause: errors[0] });
  }
  const lead = errors.find((e) => !e.retryable) ?? errors[0]!;
  const shown = errors.slice(0, 5).map((e) => e.message).join('; ');
  const more = errors.length > 5 ? `; and ${errors.length - 5} more` : '';
  return new FleetflowError(`${what}: ${errors.length} objects failed: ${shown}${more}`, lead.type, lead.retryable, { cause: lead });
}
