import type { RetryableFailureType } from '../../domain/failure-types.js';
import { FleetflowError, PermanentError, TransientError, messageOf } from '../../errors.js';

/**
 * The one place where AWS errors become Fleetflow errors for the EKS provider. Throttling,
 * 5xx, timeouts and dropped connections retry with backoff; validation, permission, quota and
 * unsupported-version errors are permanent with a type name. Messages name the cluster and
 * the step. "Already exists" and "not found" are answers, handled by the callers before this.
 */

/** What the SDK's errors carry (service exceptions and smithy's network errors alike). */
interface AwsErrorLike {
  name?: string;
  code?: string;
  message?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
}

const asAws = (e: unknown): AwsErrorLike => (typeof e === 'object' && e !== null ? (e as AwsErrorLike) : {});

/** The AWS error code ("ResourceInUseException"), or the network error code ("ECONNRESET"). */
export function awsCode(e: unknown): string {
  const a = asAws(e);
  return a.name && a.name !== 'Error' ? a.name : (a.code ?? 'Error');
}

/** True when `e` is the AWS error `code` (e.g. "ResourceNotFoundException"). */
export function isAwsError(e: unknown, ...codes: string[]): boolean {
  return codes.includes(awsCode(e));
}

const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ProvisionedThroughputExceededException',
  'SlowDown',
]);
const NETWORK = new Set([
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'NetworkingError',
]);
const SERVER = new Set(['ServerException', 'ServiceUnavailableException', 'InternalFailure', 'InternalServerError', 'ServiceUnavailable']);
const PERMISSION = new Set([
  'AccessDeniedException',
  'AccessDenied',
  'UnauthorizedException',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'NotAuthorizedException',
]);
const QUOTA = new Set(['ResourceLimitExceededException', 'ServiceQuotaExceededException', 'LimitExceededException']);
/** Transient by nature: AWS asks the caller to come back. */
const RETRY_LATER: Record<string, RetryableFailureType> = {
  ResourcePropagationDelayException: 'ResourcePropagationDelay',
  ExpiredTokenException: 'ExpiredToken',
  ExpiredToken: 'ExpiredToken',
  ResourceInUseException: 'ResourceInUse',
};

/** EKS's words for a release it does not offer (InvalidParameterException's message). */
const UNSUPPORTED_VERSION = /unsupported kubernetes (minor )?version|version .*(is )?not supported|unsupported version|invalid (kubernetes )?version/i;

/**
 * Classifies an error from an EKS or STS call.
 *
 * @example throw eksError(e, 'web-1', 'UpdateClusterVersion to 1.36')
 */
export function eksError(e: unknown, cluster: string, step: string): FleetflowError {
  if (e instanceof FleetflowError) return e;
  const code = awsCode(e);
  const status = asAws(e).$metadata?.httpStatusCode;
  const message = `cluster ${cluster}: ${step}: ${code}: ${detail(e)}`;
  const opts = { cause: e };
  if (THROTTLING.has(code) || status === 429) return new TransientError(message, 'Throttled', opts);
  if (NETWORK.has(code) || /socket hang up|timed? ?out/i.test(messageOf(e))) return new TransientError(message, 'NetworkError', opts);
  if (SERVER.has(code) || (status !== undefined && status >= 500) || asAws(e).$fault === 'server') {
    return new TransientError(message, 'ProviderUnavailable', opts);
  }
  if (Object.hasOwn(RETRY_LATER, code)) return new TransientError(message, RETRY_LATER[code], opts);
  if (code === 'CredentialsProviderError') return new PermanentError(message, 'CredentialsMissing', opts);
  if (PERMISSION.has(code) || status === 401 || status === 403) return new PermanentError(message, 'AccessDenied', opts);
  if (QUOTA.has(code)) return new PermanentError(message, 'QuotaExceeded', opts);
  if (code === 'InvalidParameterException' && UNSUPPORTED_VERSION.test(messageOf(e))) return new PermanentError(message, 'UnsupportedVersion', opts);
  if (code === 'InvalidParameterException') return new PermanentError(message, 'InvalidParameter', opts);
  if (code === 'InvalidRequestException' || code === 'InvalidStateException') return new PermanentError(message, 'InvalidRequest', opts);
  if (code === 'UnsupportedAvailabilityZoneException') return new PermanentError(message, 'UnsupportedAvailabilityZone', opts);
  if (code === 'ResourceNotFoundException' || code === 'NotFoundException') return new PermanentError(message, 'ClusterNotFound', opts);
  if (asAws(e).$fault === 'client' || (status !== undefined && status >= 400)) return new PermanentError(message, 'InvalidRequest', opts);
  // Anything else (a parse error of a garbled response, an unknown network failure) may pass.
  return new TransientError(message, 'Transient', opts);
}

/** The error's own words, one line, short enough for a workflow failure. */
function detail(e: unknown): string {
  const text = messageOf(e).replace(/\s+/g, ' ').trim() || 'no message';
  return text.length > 500 ? `${text.slice(0, 500)}...` : text;
}
