import { matchesSelector, mismatchOf, type ClusterSummary } from '../selection/fleet-selector.js';
import {
  ANY_ENVIRONMENT,
  CODEC_OPERATION,
  environmentMatches,
  isProdEnvironment,
  permissionsOf,
  type AccessPolicy,
  type ChangeAction,
  type ChangeType,
  type Operation,
  type Permission,
} from './policy.js';

/**
 * Who makes a request, as authentication established it: an OIDC token's subject and group
 * claim, or a static API token (its subject is the token's name; tokens have no groups).
 */
export interface Principal {
  kind: 'oidc' | 'token';
  subject: string;
  groups: readonly string[];
  /** For messages and the audit trail only: never used to decide. */
  displayName?: string;
}

/**
 * What a request acts on: its environments, and its clusters when they are known (a fleet
 * operation after placement). Every cluster, and every environment none of the clusters is in,
 * must be covered by a permission.
 */
export interface Scope {
  environments: readonly string[];
  clusters?: readonly ClusterSummary[];
}

/** A request to authorize: start a change, view one, or act on a running one. */
export type AccessRequest =
  /** `delegated`: the change's gates are to be approved by the change system that opens it. */
  | { kind: 'start'; type: ChangeType; scope: Scope; delegated?: boolean }
  | { kind: 'view'; scope: Scope }
  /**
   * For `approve`, the scope is the gate's stage; `requestedBy` is who started the change (its
   * audit name "oidc:alice" or the bare subject); `delegated` as the change was started.
   */
  | { kind: 'act'; action: ChangeAction; scope: Scope; requestedBy: string; delegated?: boolean };

/** The operation, environment and (if known) cluster no permission covered. */
export interface Missing {
  operation: Operation;
  environment: string;
  cluster?: string;
}

/** The answer: allowed (with the principal's roles), or denied with a sentence saying why. */
export type Decision =
  | { allow: true; roles: string[] }
  | { allow: false; reason: string; roles: string[]; missing?: Missing; fourEyes?: true };

/** "Alice (oidc:alice-sub)" or "token:ci": how a principal is named in reasons. */
export function describePrincipal(p: Principal): string {
  const id = `${p.kind}:${p.subject}`;
  return p.displayName ? `${p.displayName} (${id})` : id;
}

/** The subject of a requester named "oidc:alice", "token:ci" or just "alice". */
const subjectOf = (requestedBy: string): string => requestedBy.replace(/^(oidc|token):/, '');

/** True when the policy trusts the principal to approve the gates of the changes it opens. */
export function isDelegatedApprover(policy: AccessPolicy, p: Principal): boolean {
  return policy.delegatedApprovers.includes(`${p.kind}:${p.subject}`);
}

/** Why delegation refuses the request, or undefined: it runs before roles, like four eyes. */
function delegationRefusal(policy: AccessPolicy, p: Principal, who: string, request: AccessRequest): string | undefined {
  if (request.kind === 'start' && request.delegated && !isDelegatedApprover(policy, p)) {
    return `${who} may not open a change whose gates it approves itself: only the change systems in access.delegatedApprovers may`;
  }
  if (request.kind !== 'act' || request.action !== 'approve' || !request.delegated) return undefined;
  if (subjectOf(request.requestedBy) !== p.subject) {
    return `the gates of this change are delegated to the change system that opened it (${request.requestedBy}): it approves them, after its own approval`;
  }
  return isDelegatedApprover(policy, p) ? undefined : `${who} is no longer in access.delegatedApprovers, so it may not approve the gates of its own change`;
}

/** The roles bound to the principal, sorted: by subject or group for OIDC, by name for a token. */
export function rolesOf(policy: AccessPolicy, p: Principal): string[] {
  const roles = new Set<string>();
  for (const b of policy.bindings) {
    const bound =
      p.kind === 'token'
        ? (b.tokens ?? []).includes(p.subject)
        : (b.subjects ?? []).includes(p.subject) || (b.groups ?? []).some((g) => p.groups.includes(g));
    if (bound) roles.add(b.role);
  }
  return [...roles].sort();
}

/** The environments of a scope that the policy counts as production, sorted. */
export function prodEnvironmentsOf(policy: AccessPolicy, scope: Scope): string[] {
  const envs = new Set([...scope.environments, ...(scope.clusters ?? []).map((c) => c.environment)]);
  return [...envs].filter((e) => isProdEnvironment(policy, e)).sort();
}

/**
 * Whether a change must wait at an approval gate whatever its input says: any change that
 * touches a production environment does (the policy's `prodEnvironments`, default prod and
 * production). The caller cannot opt out; only the policy decides what counts as prod.
 */
export function requiresApprovalGate(policy: AccessPolicy, scope: Scope): { required: false } | { required: true; reason: string } {
  const prod = prodEnvironmentsOf(policy, scope);
  return prod.length ? { required: true, reason: `it changes production environment${prod.length > 1 ? 's' : ''} ${prod.join(', ')}: a second person must approve` } : { required: false };
}

type Target = { environment: string; cluster?: ClusterSummary };

/** The clusters, then every environment no cluster is in: each must be covered. */
function targetsOf(scope: Scope): Target[] {
  const clusters = [...(scope.clusters ?? [])].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const covered = new Set(clusters.map((c) => c.environment));
  const envs = [...new Set(scope.environments)].filter((e) => !covered.has(e)).sort();
  return [...clusters.map((c) => ({ environment: c.environment, cluster: c })), ...envs.map((environment) => ({ environment }))];
}

function grants(policy: AccessPolicy, perm: Permission, operation: Operation, t: Target): boolean {
  if (!perm.operations.includes('*') && !perm.operations.includes(operation)) return false;
  if (!perm.environments.some((e) => environmentMatches(policy, e, t.environment))) return false;
  // A permission narrowed to a fleet cannot be proven for an environment whose clusters are unknown.
  return !perm.fleet || (t.cluster !== undefined && matchesSelector(perm.fleet, t.cluster));
}

/** Why a fleet-narrowed permission that grants the operation on the environment did not apply. */
function fleetNote(policy: AccessPolicy, roles: string[], operation: Operation, t: Target): string {
  for (const role of roles) {
    for (const perm of permissionsOf(policy, role)) {
      if (!perm.fleet || !grants(policy, { ...perm, fleet: undefined }, operation, t)) continue;
      if (!t.cluster) return ` (role ${role} grants it only on clusters its fleet selector matches, and the request names no cluster)`;
      const why = mismatchOf(perm.fleet, t.cluster) ?? `${t.cluster.name} is not in its include list or is excluded`;
      return ` (role ${role} grants it only on clusters its fleet selector matches: ${why})`;
    }
  }
  return '';
}

const verbOf = (r: AccessRequest): string => (r.kind === 'start' ? `start ${r.type}` : r.kind === 'view' ? 'view' : r.action);
const operationOf = (r: AccessRequest): Operation => (r.kind === 'start' ? r.type : r.kind === 'view' ? 'view' : r.action);

/**
 * Decides one request. Deny by default: a principal no binding names, a request with an empty
 * scope, and any cluster or environment no permission of the principal's roles covers are
 * denied. Four eyes comes before roles: the subject that requested a change never approves
 * its production gates, admin included, unless the policy trusts it as a change system
 * (`delegatedApprovers`) and the change was opened with its gates delegated to it; nobody else
 * approves a delegated gate.
 */
export function authorize(policy: AccessPolicy, principal: Principal, request: AccessRequest): Decision {
  const who = describePrincipal(principal);
  const roles = rolesOf(policy, principal);
  const delegation = delegationRefusal(policy, principal, who, request);
  if (delegation) return { allow: false, roles, reason: delegation };
  // A delegated gate's second pair of eyes is the change system's own process (checked above).
  const delegatedSelf = request.kind === 'act' && request.delegated === true;
  if (request.kind === 'act' && request.action === 'approve' && !delegatedSelf && subjectOf(request.requestedBy) === principal.subject) {
    const prod = prodEnvironmentsOf(policy, request.scope);
    if (prod.length) {
      return { allow: false, roles, fourEyes: true, reason: `${who} requested this change and may not approve its gate on ${prod.join(', ')}: a second person must approve (four eyes)` };
    }
  }
  if (!roles.length) return { allow: false, roles, reason: `${who} has no role: no binding of the access policy names it` };
  const targets = targetsOf(request.scope);
  if (!targets.length) return { allow: false, roles, reason: `the request names no environment or cluster, so nothing can be allowed` };
  const operation = operationOf(request);
  for (const t of targets) {
    const ok = roles.some((role) => permissionsOf(policy, role).some((perm) => grants(policy, perm, operation, t)));
    if (ok) continue;
    const where = t.cluster ? `cluster ${t.cluster.name} (environment ${t.environment})` : `environment ${t.environment}`;
    return {
      allow: false,
      roles,
      missing: { operation, environment: t.environment, ...(t.cluster ? { cluster: t.cluster.name } : {}) },
      reason: `${who} (roles: ${roles.join(', ')}) may not ${verbOf(request)} on ${where}: no permission grants ${operation} there${fleetNote(policy, roles, operation, t)}`,
    };
  }
  return { allow: true, roles };
}

/**
 * Decides a codec-server request (decode or encode payloads): allowed when one of the
 * principal's roles grants `codec` (or `*`) on every environment (`*`) without a fleet
 * selector, since the payloads it opens may belong to any cluster of the namespace.
 */
export function authorizeCodec(policy: AccessPolicy, principal: Principal): Decision {
  const who = describePrincipal(principal);
  const roles = rolesOf(policy, principal);
  if (!roles.length) return { allow: false, roles, reason: `${who} has no role: no binding of the access policy names it` };
  const ok = roles.some((role) =>
    permissionsOf(policy, role).some((p) => (p.operations.includes('*') || p.operations.includes(CODEC_OPERATION)) && p.environments.includes(ANY_ENVIRONMENT) && !p.fleet),
  );
  if (ok) return { allow: true, roles };
  return { allow: false, roles, reason: `${who} (roles: ${roles.join(', ')}) may not use the codec server: no permission grants codec on every environment ("*")` };
}
