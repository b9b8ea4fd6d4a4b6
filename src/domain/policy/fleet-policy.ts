import { z } from 'zod';
import { groupOf, identityOf, describeObject, ManifestSchema, objectKey } from '../bundle/bundle.js';
import { LabelsSchema } from '../cluster/labels.js';
import { FleetSelectorSchema } from '../selection/fleet-selector.js';
import { RolloutPlanSchema, type RolloutPlanInput } from '../staged/plan.js';
import { DurationSchema } from '../time/durations.js';

/**
 * A FleetPolicy: named sets of policy objects (RBAC, admission policies, network policies,
 * quotas) applied to the clusters a fleet selector picks, each set enforced (applied and kept
 * applied) or informed (only compared). Pure: the schema; compile.ts turns it into bundles.
 */

/** The kinds a policy may hold, by API group: guardrails and access, never workloads. */
export const POLICY_KINDS: Readonly<Record<string, readonly string[]>> = {
  'rbac.authorization.k8s.io': ['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding'],
  'admissionregistration.k8s.io': ['ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding'],
  'networking.k8s.io': ['NetworkPolicy'],
  '': ['ResourceQuota', 'LimitRange', 'Namespace'],
};

/** "Role, ClusterRole, ...": the allowed kinds for messages. */
export const POLICY_KIND_LIST = Object.values(POLICY_KINDS).flat().join(', ');

/** The modes of a policy: enforce applies and keeps applied; inform only compares. */
export const POLICY_MODES = ['enforce', 'inform'] as const;
export type PolicyMode = (typeof POLICY_MODES)[number];

const dnsLabel = (max: number) =>
  z
    .string()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be lowercase letters, digits and "-", starting and ending alphanumeric');

/** A FleetPolicy's name: short, so `policy-<fleetpolicy>-<policy>` is a bundle name (52). */
export const FleetPolicyNameSchema = dnsLabel(20);
/** A policy's name inside its FleetPolicy. */
export const PolicyNameSchema = dnsLabel(24);

/** One object of a policy: a manifest of a policy kind (Secrets and workloads are refused). */
const PolicyObjectSchema = ManifestSchema.superRefine((m, ctx) => {
  const group = groupOf(m.apiVersion);
  if (!POLICY_KINDS[group]?.includes(m.kind)) {
    ctx.addIssue({ code: 'custom', path: ['kind'], message: `${m.kind} of ${m.apiVersion} is not a policy kind; a policy holds only ${POLICY_KIND_LIST} (workloads go in a bundle rollout)` });
  }
});

/**
 * Team access in one entry: `group` is bound to `role` in every namespace of each cluster whose
 * labels match `namespaceSelector`. Expands into a RoleBinding template (compile.ts) that is
 * fanned out per cluster when applied, since each cluster has its own namespaces.
 */
export const TeamAccessSchema = z
  .object({
    /** The group as the clusters' authenticator names it (OIDC group claim, cert O=). */
    group: z.string().min(1, 'must not be empty').max(200, 'must be at most 200 characters').regex(/^[^/%]+$/, 'must not contain "/" or "%" (it is part of the RoleBinding name)'),
    /** The role granted: a ClusterRole (default; e.g. view, edit) or a Role of that name in each namespace. */
    role: z.string().min(1, 'must not be empty').max(100, 'must be at most 100 characters').regex(/^[^/%]+$/, 'must not contain "/" or "%"'),
    roleKind: z.enum(['ClusterRole', 'Role']).default('ClusterRole'),
    /** Namespaces whose labels include all of these get the binding, e.g. { team: payments }. */
    namespaceSelector: LabelsSchema.refine((l) => Object.keys(l).length > 0, 'must name at least one label (an empty selector would grant every namespace)'),
  })
  .strict();
export type TeamAccess = z.output<typeof TeamAccessSchema>;

/** One policy: its objects and team access entries, and its mode. */
export const PolicySchema = z
  .object({
    name: PolicyNameSchema,
    mode: z.enum(POLICY_MODES, { error: `must be one of: ${POLICY_MODES.join(', ')}` }),
    description: z.string().max(500, 'must be at most 500 characters').optional(),
    objects: z.array(PolicyObjectSchema).max(200, 'must have at most 200 objects').default([]),
    teamAccess: z.array(TeamAccessSchema).max(50, 'must have at most 50 entries').default([]),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.objects.length === 0 && p.teamAccess.length === 0) ctx.addIssue({ code: 'custom', path: ['objects'], message: 'a policy needs at least one object or teamAccess entry' });
    const seen = new Map<string, number>();
    p.objects.forEach((m, i) => {
      const key = objectKey(identityOf(m));
      const first = seen.get(key);
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['objects', i], message: `duplicates objects[${first}] (${describeObject(identityOf(m))})` });
      else seen.set(key, i);
    });
  });
export type Policy = z.output<typeof PolicySchema>;

/** The default rollout of an enforced policy: one canary cluster, then the rest; no gates. */
export const DEFAULT_POLICY_ROLLOUT: RolloutPlanInput = { generate: { canary: 1, steps: ['100%'], canaryApproval: 'none' } };

/** A FleetPolicy file (`fleetflow policy apply -f FILE`). */
export const FleetPolicySchema = z
  .object({
    name: FleetPolicyNameSchema,
    selector: FleetSelectorSchema,
    policies: z.array(PolicySchema).min(1, 'must have at least one policy').max(20, 'must have at most 20 policies'),
    /** How enforced policies roll out (canary first): a fleetRollout plan. */
    rollout: RolloutPlanSchema.prefault(DEFAULT_POLICY_ROLLOUT),
    /** How often compliance is evaluated again (besides on apply and on request). */
    evaluateEvery: DurationSchema.prefault('5m'),
  })
  .strict()
  .superRefine((fp, ctx) => {
    const seen = new Map<string, number>();
    fp.policies.forEach((p, i) => {
      const first = seen.get(p.name);
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['policies', i, 'name'], message: `policy ${p.name} is also policies[${first}]` });
      else seen.set(p.name, i);
    });
  });
export type FleetPolicy = z.output<typeof FleetPolicySchema>;
export type FleetPolicyInput = z.input<typeof FleetPolicySchema>;
