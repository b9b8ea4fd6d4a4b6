import { FleetflowError, PermanentError, TransientError, messageOf } from '../../errors.js';

/**
 * The one place where failures of GKE API calls become Fleetflow errors. google-gax surfaces
 * gRPC status codes (numeric `code`) on its GoogleError; network failures below gRPC arrive as
 * Node errors with a string code. Retrying helps with throttling, 5xx, deadlines, connection
 * resets and "another operation is running"; it never helps with a bad request, a missing
 * permission, an exhausted quota or a version GKE does not offer.
 */

/** gRPC status codes (google.rpc.Code) the classification uses. */
export const GrpcCode = {
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

const TRANSIENT_CODES = new Set<number>([
  GrpcCode.CANCELLED,
  GrpcCode.UNKNOWN,
  GrpcCode.DEADLINE_EXCEEDED,
  GrpcCode.RESOURCE_EXHAUSTED,
  GrpcCode.ABORTED,
  GrpcCode.INTERNAL,
  GrpcCode.UNAVAILABLE,
]);

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ECONNABORTED']);

/** Where a failed call happened: named in every message, so a user sees which cluster and step. */
export interface GkeCallContext {
  cluster: string;
  step: string;
}

/** The numeric gRPC status of a google-gax error, if it carries one. */
export function grpcCodeOf(e: unknown): number | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** The server's own words: GoogleError.details holds them without the "3 INVALID_ARGUMENT: " prefix. */
function detailOf(e: unknown): string {
  const details = (e as { details?: unknown } | null)?.details;
  return typeof details === 'string' && details ? details : messageOf(e);
}

/** Node error code of a network failure, walking one or two `cause` levels. */
function networkCode(e: unknown): string | undefined {
  for (let cur: unknown = e, depth = 0; cur && typeof cur === 'object' && depth < 4; depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

/** True for the "already exists" answer of a create: the caller adopts instead of failing. */
export const isAlreadyExists = (e: unknown) => grpcCodeOf(e) === GrpcCode.ALREADY_EXISTS;
/** True when the named resource does not exist. */
export const isNotFound = (e: unknown) => grpcCodeOf(e) === GrpcCode.NOT_FOUND;
/** GKE runs one operation per cluster at a time and refuses a second with FAILED_PRECONDITION. */
export const isOperationInProgress = (e: unknown) => grpcCodeOf(e) === GrpcCode.FAILED_PRECONDITION;

/**
 * Classifies a failed GKE call. The message is `cluster <name>: <step>: <server's words>`;
 * the type names what went wrong for retry policies and users.
 */
export function gkeError(e: unknown, ctx: GkeCallContext): FleetflowError {
  if (e instanceof FleetflowError) return e;
  const detail = detailOf(e);
  const message = `cluster ${ctx.cluster}: ${ctx.step}: ${detail}`;
  const code = grpcCodeOf(e);
  const options = { cause: e };
  switch (code) {
    case GrpcCode.INVALID_ARGUMENT:
      // GKE says 'Master version "1.20" is unsupported.' or 'Node version ... must be ...'.
      return /version/i.test(detail)
        ? new PermanentError(message, 'UnsupportedVersion', options)
        : new PermanentError(message, 'InvalidParameter', options);
    case GrpcCode.PERMISSION_DENIED:
    case GrpcCode.UNAUTHENTICATED:
      // Quota refusals come as PERMISSION_DENIED or RESOURCE_EXHAUSTED with "quota" in the text.
      return /quota/i.test(detail) ? new PermanentError(message, 'QuotaExceeded', options) : new PermanentError(message, 'PermissionDenied', options);
    case GrpcCode.RESOURCE_EXHAUSTED:
      // Both throttling ("rate limit") and exhausted quota use this code; only the first passes.
      return /quota/i.test(detail) && !/rate|per minute|per second/i.test(detail)
        ? new PermanentError(message, 'QuotaExceeded', options)
        : new TransientError(message, 'Throttled', options);
    case GrpcCode.FAILED_PRECONDITION:
      // Mostly "another operation is running on the cluster": it ends, so retry.
      return new TransientError(message, 'OperationInProgress', options);
    case GrpcCode.NOT_FOUND:
      return new PermanentError(message, 'ClusterNotFound', options);
    case GrpcCode.ALREADY_EXISTS:
      return new PermanentError(message, 'ClusterAlreadyExists', options);
    case GrpcCode.UNIMPLEMENTED:
      return new PermanentError(message, 'NotSupported', options);
    default:
      break;
  }
  if (code !== undefined && TRANSIENT_CODES.has(code)) {
    return new TransientError(message, code === GrpcCode.DEADLINE_EXCEEDED ? 'Timeout' : 'Unavailable', options);
  }
  const net = networkCode(e);
  if (net && NETWORK_CODES.has(net)) return new TransientError(message, 'Unavailable', options);
  // Unknown failures are retried: most unexpected errors on this path are network faults.
  return new TransientError(message, 'Transient', options);
}

/**
 * Classifies a failure to get an access token from Google's application-default credentials:
 * no credentials configured (or a revoked grant) cannot pass by retrying; the rest is network.
 * The message never includes the credentials themselves (google-auth-library does not put them
 * in errors either).
 */
export function tokenError(e: unknown, ctx: GkeCallContext): FleetflowError {
  const text = messageOf(e);
  const message = `cluster ${ctx.cluster}: ${ctx.step}: getting an access token: ${text}`;
  if (/default credentials|could not load|invalid_grant|unauthorized_client|invalid_client|no such file/i.test(text)) {
    return new PermanentError(message, 'CredentialsUnavailable', { cause: e });
  }
  return new TransientError(message, 'Unavailable', { cause: e });
}
