import { describe, expect, it } from 'vitest';
import { authorize, requiresApprovalGate, rolesOf, type AccessRequest, type Principal, type Scope } from '../../src/domain/auth/authorize.js';
import { AccessPolicySchema, CHANGE_ACTIONS, CHANGE_TYPES, DEFAULT_ACCESS_POLICY, OPERATIONS, type AccessPolicy, type Operation } from '../../src/domain/auth/policy.js';
import { readmeAccessSection } from '../helpers/access-example.js';
import { cluster } from '../helpers/cluster-summaries.js';

const policy: AccessPolicy = AccessPolicySchema.parse(readmeAccessSection());

const oidc = (subject: string, groups: string[] = [], displayName?: string): Principal => ({ kind: 'oidc', subject, groups, ...(displayName ? { displayName } : {}) });
const token = (name: string): Principal => ({ kind: 'token', subject: name, groups: [] });
const envs = (...environments: string[]): Scope => ({ environments });

/** The request that exercises one operation on a scope; actions are on a change someone else requested. */
function requestFor(op: Operation, scope: Scope, requestedBy = 'someone-else'): AccessRequest {
  if (op === 'view') return { kind: 'view', scope };
  if ((CHANGE_TYPES as readonly string[]).includes(op)) return { kind: 'start', type: op as (typeof CHANGE_TYPES)[number], scope };
  return { kind: 'act', action: op as (typeof CHANGE_ACTIONS)[number], scope, requestedBy };
}

// One principal per built-in role, bound the way the README example binds them.
const ROLE_PRINCIPALS: Record<string, Principal> = {
  viewer: oidc('u-viewer', ['fleet-viewers']),
  operator: oidc('u-operator', ['platform']),
  'prod-operator': oidc('u-oncall', ['platform-oncall']),
  approver: oidc('u-approver', ['change-approvers']),
  admin: oidc('00u1admin'),
};

// Written out by hand, not derived from the policy code, so the matrix checks the meaning.
const ALL = 'provision decommission upgradeCluster upgradeWave rollout fleetDecommission view approve pause resume abort retry skip';
const ALL_BUT_APPROVE = 'provision decommission upgradeCluster upgradeWave rollout fleetDecommission view pause resume abort retry skip';
const EXPECTED: Record<string, Record<string, string>> = {
  viewer: { dev: 'view', staging: 'view', prod: 'view', production: 'view' },
  operator: { dev: ALL, staging: ALL, prod: 'view', production: 'view' },
  'prod-operator': { dev: ALL, staging: ALL, prod: ALL_BUT_APPROVE, production: ALL_BUT_APPROVE },
  approver: { dev: 'view approve', staging: 'view approve', prod: 'view approve', production: 'view approve' },
  admin: { dev: ALL, staging: ALL, prod: ALL, production: ALL },
};

describe('authorize: every built-in role x operation x environment of the README example', () => {
  const rows = Object.entries(EXPECTED).flatMap(([role, byEnv]) =>
    Object.entries(byEnv).flatMap(([env, allowed]) => OPERATIONS.map((op) => ({ role, env, op, allow: allowed.split(' ').includes(op) }))),
  );
  it('has every cell', () => expect(rows).toHaveLength(5 * 4 * OPERATIONS.length));

  it.each(rows)('$role: $op on $env -> allow $allow', ({ role, env, op, allow }) => {
    const d = authorize(policy, ROLE_PRINCIPALS[role]!, requestFor(op, envs(env)));
    expect(d.allow).toBe(allow);
    if (!d.allow) expect(d.missing).toEqual({ operation: op, environment: env });
  });

  // The CI token is bound to operator: the same row as the operator group.
  it.each(OPERATIONS.map((op) => ({ op })))('token ci-deploy: $op on dev allowed, on prod only view', ({ op }) => {
    expect(authorize(policy, token('ci-deploy'), requestFor(op, envs('dev'))).allow).toBe(true);
    expect(authorize(policy, token('ci-deploy'), requestFor(op, envs('prod'))).allow).toBe(op === 'view');
  });

  // Deny by default: an authenticated principal no binding names gets nothing, not even view.
  it.each(OPERATIONS.map((op) => ({ op })))('an unbound principal may not $op anywhere', ({ op }) => {
    for (const env of ['dev', 'staging', 'prod']) expect(authorize(policy, oidc('stranger', ['other-team']), requestFor(op, envs(env))).allow).toBe(false);
  });
});

describe('authorize: reasons and edge cases', () => {
  it('says which permission is missing, naming the principal and its roles', () => {
    expect(authorize(policy, oidc('u-operator', ['platform'], 'Olga'), { kind: 'start', type: 'rollout', scope: envs('dev', 'prod') })).toEqual({
      allow: false,
      roles: ['operator'],
      missing: { operation: 'rollout', environment: 'prod' },
      reason: 'Olga (oidc:u-operator) (roles: operator) may not start rollout on environment prod: no permission grants rollout there',
    });
  });

  it('denies everyone under the default policy, which binds nobody', () => {
    expect(authorize(DEFAULT_ACCESS_POLICY, oidc('00u1admin'), { kind: 'view', scope: envs('dev') })).toEqual({
      allow: false,
      roles: [],
      reason: 'oidc:00u1admin has no role: no binding of the access policy names it',
    });
  });

  // An empty scope must not be allowed vacuously ("every target is covered" of nothing).
  it('denies a request with no environment and no cluster, even for admin', () => {
    const d = authorize(policy, ROLE_PRINCIPALS.admin!, { kind: 'start', type: 'fleetDecommission', scope: { environments: [], clusters: [] } });
    expect(d).toMatchObject({ allow: false, reason: 'the request names no environment or cluster, so nothing can be allowed' });
  });

  it('grants the union of the roles of every matching binding', () => {
    const both = oidc('u-both', ['fleet-viewers', 'change-approvers', 'platform']);
    expect(rolesOf(policy, both)).toEqual(['approver', 'operator', 'viewer']);
    expect(authorize(policy, both, requestFor('approve', envs('prod'))).allow).toBe(true);
    expect(authorize(policy, both, requestFor('rollout', envs('staging'))).allow).toBe(true);
  });

  // Token bindings match token principals only, and group bindings OIDC principals only.
  it('does not give a token binding to an OIDC subject of the same name', () => {
    expect(rolesOf(policy, oidc('ci-deploy'))).toEqual([]);
    expect(rolesOf(policy, { kind: 'token', subject: 'not-a-token', groups: ['platform'] })).toEqual([]);
  });

  // A cluster's own environment decides, whatever the request's environments say.
  it('checks every cluster of the scope by its environment', () => {
    const scope = { environments: ['dev'], clusters: [cluster('dev-1'), cluster('live-1', { environment: 'production' })] };
    expect(authorize(policy, ROLE_PRINCIPALS.operator!, requestFor('upgradeWave', scope))).toMatchObject({
      allow: false,
      missing: { operation: 'upgradeWave', environment: 'production', cluster: 'live-1' },
      reason: 'oidc:u-operator (roles: operator) may not start upgradeWave on cluster live-1 (environment production): no permission grants upgradeWave there',
    });
  });

  it('still checks an environment of the scope that none of its clusters is in', () => {
    const scope = { environments: ['dev', 'prod'], clusters: [cluster('dev-1')] };
    expect(authorize(policy, ROLE_PRINCIPALS.operator!, requestFor('rollout', scope))).toMatchObject({ allow: false, missing: { environment: 'prod' } });
  });

  it('counts environments by the policy: with prodEnvironments [live], operator may act on "prod"', () => {
    const custom = AccessPolicySchema.parse({ prodEnvironments: ['live'], bindings: [{ role: 'operator', groups: ['platform'] }] });
    expect(authorize(custom, ROLE_PRINCIPALS.operator!, requestFor('rollout', envs('prod'))).allow).toBe(true);
    expect(authorize(custom, ROLE_PRINCIPALS.operator!, requestFor('rollout', envs('live'))).allow).toBe(false);
  });
});

describe('authorize: permissions narrowed to a fleet selector', () => {
  const servicenow = token('servicenow');
  const web = cluster('web-prod-1', { environment: 'prod', labels: { team: 'web' } });
  const api = cluster('api-prod-1', { environment: 'prod', labels: { team: 'api' } });

  it('allows a rollout on prod clusters the selector matches', () => {
    expect(authorize(policy, servicenow, requestFor('rollout', { environments: ['prod'], clusters: [web] }))).toEqual({ allow: true, roles: ['web-deployer'] });
  });

  it('denies it when one cluster does not match, saying why', () => {
    expect(authorize(policy, servicenow, requestFor('rollout', { environments: ['prod'], clusters: [web, api] }))).toMatchObject({
      allow: false,
      reason: 'token:servicenow (roles: web-deployer) may not start rollout on cluster api-prod-1 (environment prod): no permission grants rollout there (role web-deployer grants it only on clusters its fleet selector matches: label team=api is not web)',
    });
  });

  // Without the clusters nobody can tell whether the selector holds, so the grant cannot apply.
  it('denies it when the request names environments only', () => {
    expect(authorize(policy, servicenow, requestFor('rollout', envs('prod')))).toMatchObject({
      allow: false,
      reason: 'token:servicenow (roles: web-deployer) may not start rollout on environment prod: no permission grants rollout there (role web-deployer grants it only on clusters its fleet selector matches, and the request names no cluster)',
    });
  });

  it('grants nothing beyond its operations', () => {
    expect(authorize(policy, servicenow, requestFor('upgradeWave', { environments: ['prod'], clusters: [web] })).allow).toBe(false);
  });
});

describe('four eyes', () => {
  const approve = (scope: Scope, requestedBy: string): AccessRequest => ({ kind: 'act', action: 'approve', scope, requestedBy });

  // The rule holds whatever the roles: admin may approve anything except its own prod change.
  it('refuses admin approving the prod gate of its own change', () => {
    expect(authorize(policy, oidc('00u1admin', [], 'Ada'), approve(envs('prod'), '00u1admin'))).toEqual({
      allow: false,
      roles: ['admin'],
      fourEyes: true,
      reason: 'Ada (oidc:00u1admin) requested this change and may not approve its gate on prod: a second person must approve (four eyes)',
    });
  });

  it('refuses an approver approving its own prod change, and allows another approver', () => {
    expect(authorize(policy, ROLE_PRINCIPALS.approver!, approve(envs('production'), 'u-approver'))).toMatchObject({ allow: false, fourEyes: true });
    expect(authorize(policy, oidc('u-approver-2', ['change-approvers']), approve(envs('production'), 'u-approver')).allow).toBe(true);
  });

  it('takes the gate environment from its clusters', () => {
    const scope = { environments: [], clusters: [cluster('edge-1', { environment: 'prod' })] };
    expect(authorize(policy, ROLE_PRINCIPALS.admin!, approve(scope, '00u1admin'))).toMatchObject({ allow: false, fourEyes: true });
  });

  // Four eyes is for production only: an operator approves the canary gate of its own staging rollout.
  it('lets the requester approve a non-prod gate', () => {
    expect(authorize(policy, ROLE_PRINCIPALS.operator!, approve(envs('staging'), 'u-operator')).allow).toBe(true);
  });

  // Stopping one's own change must stay possible: four eyes guards approvals, not brakes.
  it('lets the requester pause, abort and retry its own prod change', () => {
    for (const action of ['pause', 'abort', 'retry'] as const) {
      expect(authorize(policy, ROLE_PRINCIPALS['prod-operator']!, { kind: 'act', action, scope: envs('prod'), requestedBy: 'u-oncall' }).allow).toBe(true);
    }
  });

  // Subjects are compared alone: a token named like a person is not a second person.
  it('compares the subject whatever the principal kind', () => {
    const custom = AccessPolicySchema.parse({
      bindings: [{ role: 'admin', tokens: ['alice'] }],
      tokens: [{ name: 'alice', hash: `sha256:${'a'.repeat(64)}` }],
    });
    expect(authorize(custom, token('alice'), approve(envs('prod'), 'alice'))).toMatchObject({ allow: false, fourEyes: true });
  });

  it('uses the policy prod environments', () => {
    const custom = AccessPolicySchema.parse({ prodEnvironments: ['live'], bindings: [{ role: 'admin', subjects: ['ada'] }] });
    expect(authorize(custom, oidc('ada'), approve(envs('prod'), 'ada')).allow).toBe(true);
    expect(authorize(custom, oidc('ada'), approve(envs('live'), 'ada'))).toMatchObject({ allow: false, fourEyes: true });
  });
});

describe('four eyes with audit names', () => {
  const approve = (scope: Scope, requestedBy: string): AccessRequest => ({ kind: 'act', action: 'approve', scope, requestedBy });
  // Changes record their requester as "oidc:alice" / "token:ci": the same person must be recognised.
  it.each(['00u1admin', 'oidc:00u1admin', 'token:00u1admin'])('recognises the requester named %s', (requestedBy) => {
    expect(authorize(policy, ROLE_PRINCIPALS.admin!, approve(envs('prod'), requestedBy))).toMatchObject({ allow: false, fourEyes: true });
  });
});

describe('gates delegated to a change system', () => {
  const trusting = AccessPolicySchema.parse({
    bindings: [
      { role: 'admin', tokens: ['servicenow', 'ci'] },
      { role: 'approver', subjects: ['bob'] },
    ],
    tokens: [
      { name: 'servicenow', hash: `sha256:${'a'.repeat(64)}` },
      { name: 'ci', hash: `sha256:${'b'.repeat(64)}` },
    ],
    delegatedApprovers: ['token:servicenow'],
  });
  const start = (delegated: boolean): AccessRequest => ({ kind: 'start', type: 'rollout', scope: envs('prod'), delegated });
  const approve = (requestedBy: string, delegated: boolean): AccessRequest => ({ kind: 'act', action: 'approve', scope: envs('prod'), requestedBy, delegated });

  it('lets only a trusted change system open a change whose gates it approves', () => {
    expect(authorize(trusting, token('servicenow'), start(true)).allow).toBe(true);
    expect(authorize(trusting, token('ci'), start(true))).toMatchObject({
      allow: false,
      reason: 'token:ci may not open a change whose gates it approves itself: only the change systems in access.delegatedApprovers may',
    });
    expect(authorize(trusting, token('ci'), start(false)).allow).toBe(true);
  });

  it('lets the change system approve its own delegated prod gate, and nobody else', () => {
    expect(authorize(trusting, token('servicenow'), approve('token:servicenow', true)).allow).toBe(true);
    expect(authorize(trusting, oidc('bob'), approve('token:servicenow', true))).toMatchObject({
      allow: false,
      reason: 'the gates of this change are delegated to the change system that opened it (token:servicenow): it approves them, after its own approval',
    });
  });

  it('keeps four eyes for a change that was not delegated, even for a trusted change system', () => {
    expect(authorize(trusting, token('servicenow'), approve('token:servicenow', false))).toMatchObject({ allow: false, fourEyes: true });
    expect(authorize(trusting, oidc('bob'), approve('token:servicenow', false)).allow).toBe(true);
  });

  it('refuses a change system the policy no longer trusts', () => {
    const untrusting = AccessPolicySchema.parse({ ...trusting, delegatedApprovers: [] });
    expect(authorize(untrusting, token('servicenow'), approve('token:servicenow', true))).toMatchObject({ allow: false, reason: expect.stringMatching(/no longer in access.delegatedApprovers/) });
  });

  it('names a malformed delegated approver', () => {
    const r = AccessPolicySchema.safeParse({ delegatedApprovers: ['servicenow'] });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]).toMatchObject({ path: ['delegatedApprovers', 0], message: 'must be a principal: "token:NAME" or "oidc:SUBJECT"' });
  });
});

describe('requiresApprovalGate', () => {
  it.each([
    // Why each row: prod by name, prod by a cluster, several prod environments, and non-prod.
    { why: 'a prod environment', scope: envs('dev', 'prod'), want: { required: true, reason: 'it changes production environment prod: a second person must approve' } },
    { why: 'a cluster in production', scope: { environments: ['dev'], clusters: [cluster('live-1', { environment: 'production' })] }, want: { required: true, reason: 'it changes production environment production: a second person must approve' } },
    { why: 'both prod environments', scope: envs('production', 'prod'), want: { required: true, reason: 'it changes production environments prod, production: a second person must approve' } },
    { why: 'dev and staging only', scope: envs('dev', 'staging'), want: { required: false } },
  ])('$why', ({ scope, want }) => {
    expect(requiresApprovalGate(policy, scope)).toEqual(want);
  });

  it('follows the policy, not a fixed list', () => {
    const custom = AccessPolicySchema.parse({ prodEnvironments: ['live'] });
    expect(requiresApprovalGate(custom, envs('prod'))).toEqual({ required: false });
    expect(requiresApprovalGate(custom, envs('live')).required).toBe(true);
  });
});
