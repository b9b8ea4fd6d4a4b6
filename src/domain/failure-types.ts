/**
 * Every failure type Fleetflow throws or returns, in one table: whether an activity retry can
 * fix it, what it means, the CLI's exit code and the HTTP status the API answers with.
 *
 * Exit codes: 2 when the user's request is wrong (change the command or file), 1 when the
 * operation failed. HTTP: 400 bad input, 403 Fleetflow's identity lacks a permission, 404 not
 * found, 409 busy or in conflict, 410 gone, 413 too large, 422 refused by a rule, 429 quota,
 * 500 the worker's configuration, 502 a provider or cluster failed or refused, 503 unavailable
 * for now (retried), 504 waited too long.
 *
 * Workflow code imports this file: it stays pure.
 */

/** What one failure type means and how each surface reports it. */
export interface FailureTypeInfo {
  /** True when retrying with backoff can fix it; activity retry policies stop on the rest. */
  readonly retryable: boolean;
  /** One line: what happened. */
  readonly meaning: string;
  /** Exit code of the `fleetflow` CLI. */
  readonly exitCode: 1 | 2;
  /** HTTP status of the API. */
  readonly httpStatus: number;
}

const permanent = <E extends 1 | 2, H extends number>(exitCode: E, httpStatus: H, meaning: string) =>
  ({ retryable: false, meaning, exitCode, httpStatus }) as const;
const transient = <H extends number>(httpStatus: H, meaning: string) => ({ retryable: true, meaning, exitCode: 1, httpStatus }) as const;

/** The table. A type name is stable: users, retry policies and the API match on it. */
export const FAILURE_TYPES = {
  // The request is wrong: fix the input.
  InvalidInput: permanent(2, 400, 'an input fails its schema; the message lists every problem by path'),
  InvalidClusterSpec: permanent(2, 400, 'a cluster spec is invalid, or changes a field that cannot change in its phase'),
  InvalidClusterName: permanent(2, 400, 'a cluster name the provider cannot use'),
  InvalidBundle: permanent(2, 400, 'a bundle is invalid (or the copy kept on the cluster is unreadable)'),
  InvalidManifest: permanent(2, 400, 'a manifest lacks apiVersion, kind or metadata.name'),
  InvalidParameter: permanent(2, 400, 'the provider refused a parameter of the request (a subnet, a machine type)'),
  BundleTooLarge: permanent(2, 413, 'a bundle revision is too large to keep on a cluster'),
  PayloadTooLarge: permanent(2, 413, "an input, result or signal is over Temporal's 2 MiB blob limit after encoding; refused before it is sent"),
  UnsupportedVersion: permanent(2, 422, 'the provider or the version rules do not offer that Kubernetes release'),
  NotSupported: permanent(2, 422, 'the provider cannot do that (node pools or upgrades of external clusters)'),
  ClusterProtected: permanent(2, 422, 'the cluster is protected: decommission it with force and a reason'),
  OperatorActionRefused: permanent(2, 409, 'an approve, pause, abort, retry or skip does not apply now'),
  CallbackNotAllowed: permanent(2, 422, 'a callbackUrl the config does not allow (its host, scheme, or no callback secret)'),
  // Something named does not exist.
  ClusterNotFound: permanent(2, 404, 'no such cluster in the inventory or at the provider'),
  ClusterDeleted: permanent(2, 410, 'the cluster has been decommissioned'),
  NodePoolNotFound: permanent(1, 404, 'the provider has no node pool of that name'),
  RevisionNotFound: permanent(1, 404, 'the bundle revision to restore is no longer kept on the cluster'),
  RolloutNotFound: permanent(1, 404, 'the rollout a child reads its bundle from is gone or carries no bundle'),
  ChangeNotFound: permanent(1, 404, 'the provider has no change (update, operation) of that id'),
  NotFound: permanent(1, 404, 'a Kubernetes object or local change does not exist'),
  // Refused because of the cluster's state: busy, or in conflict with another owner.
  ClusterBusy: permanent(1, 409, 'another operation holds the cluster; try again when it has finished'),
  ClusterNotActive: permanent(1, 409, 'the operation needs an Active or Degraded cluster'),
  JoinRefused: permanent(2, 403, 'an agent presented a join token that is unknown, used, expired or for another cluster'),
  AgentNotJoined: permanent(2, 409, 'accept (or a join token) needs an agent cluster whose agent has joined and waits to be accepted'),
  AgentOffline: permanent(1, 503, "an agent cluster's agent sent no heartbeat, or picked up no task, within the cluster's offlineAfter"),
  ClusterNameTaken: permanent(2, 409, 'a cluster of that name exists at the provider and was not made by this operation'),
  ClusterAlreadyExists: permanent(2, 409, 'the provider already has a cluster of that name'),
  FieldManagerConflict: permanent(1, 409, 'server-side apply: another field manager owns fields the bundle sets'),
  PruneOwnershipConflict: permanent(1, 409, 'an object to prune is owned by something other than the bundle'),
  ApplySetOwnedElsewhere: permanent(1, 409, 'the applyset parent is managed by another tool'),
  ApplySetIdMismatch: permanent(1, 409, 'the applyset parent carries another applyset id'),
  RolloutBundleChanged: permanent(1, 409, 'the rollout id was reused and now carries another bundle revision'),
  UpgradePreflightFailed: permanent(1, 422, 'the upgrade is refused before it starts (version skew, removed APIs in use)'),
  // The API server refused a request (by HTTP status), or does not serve a kind.
  BadRequest: permanent(1, 422, 'a Kubernetes API server refused a request as malformed (HTTP 400)'),
  Invalid: permanent(1, 422, 'a Kubernetes API server refused an object by validation or admission (HTTP 422)'),
  UnknownKind: permanent(1, 422, 'the cluster does not serve a kind the bundle uses (a CRD is missing)'),
  MethodNotAllowed: permanent(1, 502, 'a Kubernetes API server does not allow that method (HTTP 405)'),
  UnsupportedMediaType: permanent(1, 502, 'a Kubernetes API server does not take that content type (HTTP 415)'),
  Rejected: permanent(1, 502, 'a Kubernetes API server refused a request with another 4xx'),
  // Fleetflow's identity lacks a permission.
  AccessDenied: permanent(1, 403, "AWS refused Fleetflow's identity (IAM)"),
  PermissionDenied: permanent(1, 403, "Google Cloud refused Fleetflow's identity (IAM)"),
  Forbidden: permanent(1, 403, "a cluster's RBAC refused Fleetflow's identity (HTTP 403)"),
  Unauthorized: permanent(1, 403, "a cluster's API server did not accept Fleetflow's credentials (HTTP 401)"),
  QuotaExceeded: permanent(1, 429, 'a provider quota or limit of the account is reached'),
  // The worker's configuration or machine lacks something.
  ProviderNotConfigured: permanent(1, 500, 'the worker does not serve that provider'),
  AccountNotConfigured: permanent(1, 500, "the provider account is not in the worker's config"),
  AccountIncomplete: permanent(1, 500, 'the provider account lacks a setting this call needs (role, subnets)'),
  CredentialsMissing: permanent(1, 500, 'the worker has no credentials for the account'),
  CredentialsUnavailable: permanent(1, 500, 'the worker could not get an access token for the account'),
  InvalidKubeconfig: permanent(1, 500, "an external cluster's kubeconfig is unusable"),
  ToolchainMissing: permanent(1, 500, 'a binary the local provider needs is not installed'),
  CallbackSecretMissing: permanent(1, 500, "a callback secret is not in the worker's config, or its env var or file is missing"),
  PayloadUndecryptable: permanent(1, 500, 'a payload is encrypted under a key id this process lacks, or fails authentication'),
  CallbackSecretInvalid: permanent(1, 500, 'a callback secret is not whsec_ followed by the base64 of 24 to 64 bytes'),
  // A provider or cluster failed, or refused what was asked.
  ProviderFailed: permanent(1, 502, 'the provider reports the cluster, node pool or change Failed'),
  InvalidRequest: permanent(1, 502, "the provider refused the request in the cluster's current state"),
  UnsupportedAvailabilityZone: permanent(1, 502, "the provider has no capacity in an availability zone of the account's subnets"),
  ClusterNotRunning: permanent(1, 502, 'a local cluster stopped or failed while starting'),
  TlsError: permanent(1, 502, "the cluster's certificate does not match its CA or name"),
  ClusterUnhealthy: permanent(1, 502, 'the cluster is unhealthy after a bundle was applied'),
  PostUpgradeUnhealthy: permanent(1, 502, 'the cluster is unhealthy after its upgrade'),
  PostUpgradeFailure: permanent(1, 502, 'a step after the control plane was upgraded failed; an upgrade wave halts on it'),
  OperationFailed: permanent(1, 502, 'an operation failed with an error that carries no type'),
  FailureBudgetExceeded: permanent(1, 502, 'more clusters of a stage failed than its budget allows'),
  Halted: permanent(1, 502, 'a halting failure got no retry, skip or abort in time'),
  WaveFailed: permanent(1, 502, 'an upgrade wave failed'),
  RolloutFailed: permanent(1, 502, 'a fleet rollout failed'),
  DecommissionFailed: permanent(1, 502, 'a fleet decommission failed'),
  // Waited too long.
  WaitTimedOut: permanent(1, 504, 'the provider did not reach the wanted state before the deadline'),
  RolloutStuck: permanent(1, 504, "the bundle's workloads did not become available before the deadline"),
  DrainTimedOut: permanent(1, 504, 'a node did not drain before the deadline (disruption budgets, stuck pods)'),
  ApprovalTimedOut: permanent(1, 504, 'a gate was not approved in time'),
  // Requests to the change-management API (src/api): the caller's request, not an operation.
  Unauthenticated: permanent(2, 401, 'the API request carries no valid bearer token (missing, unknown, expired or malformed)'),
  NotPermitted: permanent(2, 403, "the access policy does not let the caller do that (or four eyes: a second person must)"),
  ChangeUnknown: permanent(2, 404, 'no change of that id: the ticket or idempotency key has none'),
  PlacementUnknown: permanent(2, 404, 'no placement in force of that name (no running placement/<name> workflow)'),
  PolicyUnknown: permanent(2, 404, 'no fleet policy of that name (no running policy/<name> workflow)'),
  RouteNotFound: permanent(2, 404, 'the API has no resource at that path'),
  HttpMethodNotAllowed: permanent(2, 405, 'the API resource does not take that HTTP method'),
  ChangeConflict: permanent(2, 409, 'the ticket already has a change with another input'),
  RequestTooLarge: permanent(2, 413, 'the request body is larger than the API accepts'),
  RequestHeadersTooLarge: permanent(2, 431, 'the request line and headers (URL included) are larger than the API accepts'),
  UnsupportedContentType: permanent(2, 415, 'the API takes request bodies as application/json only'),
  NothingSelected: permanent(2, 422, "a fleet change's selector matches no cluster of the inventory"),
  RateLimited: permanent(2, 429, 'the caller sent more requests than its rate allows; wait for Retry-After'),
  InternalError: permanent(1, 500, 'the API failed in a way it did not expect; its log says more'),
  RequestTimedOut: permanent(1, 504, 'the API did not finish the request in time (Temporal or a workflow was slow)'),
  // Passing faults: retried with backoff.
  Transient: transient(503, 'an error of no known kind; retried, since most are network faults'),
  Throttled: transient(503, 'a provider or API server asked to slow down'),
  ProviderUnavailable: transient(503, 'the provider failed the call on its side (5xx) or answered incompletely'),
  Unavailable: transient(503, 'the provider could not be reached or is unavailable'),
  ServerError: transient(502, 'a Kubernetes API server answered 5xx, 408 or 410'),
  UnexpectedResponse: transient(502, 'a Kubernetes API server answered something unexpected'),
  Network: transient(503, 'a Kubernetes API server could not be reached'),
  NetworkError: transient(503, 'AWS could not be reached, or the connection dropped'),
  Timeout: transient(504, 'a call to a provider timed out, or a local cluster was slow to start'),
  ExpiredToken: transient(503, 'AWS credentials expired; the next attempt gets fresh ones'),
  ResourcePropagationDelay: transient(503, 'AWS has not finished propagating a resource'),
  ResourceInUse: transient(409, 'AWS said the name is in use, but the cluster is gone'),
  ClusterStarting: transient(503, 'the cluster has no API endpoint or CA yet (still being created)'),
  ClusterDeleting: transient(409, 'the cluster this operation created is being deleted'),
  NodePoolsDeleting: transient(503, 'node groups are still being deleted before their cluster can be'),
  OperationInProgress: transient(409, 'the provider runs another operation on the cluster'),
  Conflict: transient(409, 'a write raced another one (a stale resourceVersion, a name being freed)'),
  Locked: transient(409, "a local cluster's lock is held by another process"),
  CrdNotEstablished: transient(503, 'CustomResourceDefinitions are not Established yet'),
  VerificationFailed: transient(503, 'the bootstrapped cluster does not pass its checks yet'),
  TemporalUnavailable: transient(503, 'the API could not reach Temporal; try again'),
  CallbackRejected: transient(502, 'a callback receiver answered with a status other than 2xx'),
  CallbackUnreachable: transient(503, 'a callback receiver could not be reached or did not answer in time'),
} as const satisfies Record<string, FailureTypeInfo>;

/** A failure type name; a typo fails the type check. */
export type FailureType = keyof typeof FAILURE_TYPES;

/** The failure types an activity retry can fix (TransientError takes only these). */
export type RetryableFailureType = { [T in FailureType]: (typeof FAILURE_TYPES)[T]['retryable'] extends true ? T : never }[FailureType];

/** The failure types retrying cannot fix (PermanentError takes only these). */
export type NonRetryableFailureType = Exclude<FailureType, RetryableFailureType>;

/** Every non-retryable type: the activity retry policies stop on these, so a retry never hides one. */
export const NON_RETRYABLE_TYPES = (Object.keys(FAILURE_TYPES) as FailureType[]).filter(
  (t) => !FAILURE_TYPES[t].retryable,
) as NonRetryableFailureType[];

/** True when `type` is a name in the table. */
export function isFailureType(type: unknown): type is FailureType {
  return typeof type === 'string' && Object.hasOwn(FAILURE_TYPES, type);
}
