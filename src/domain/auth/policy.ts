import { z } from 'zod';
import { isLabelValue } from '../cluster/labels.js';
import { DEFAULT_PROD_ENVIRONMENTS } from '../decommission/fleet-decommission.js';
import { FleetSelectorSchema } from '../selection/fleet-selector.js';

/**
 * The access policy: the `access` section of the Fleetflow config file. Roles grant
 * permissions (operation x environment, optionally narrowed to a fleet selector); bindings give
 * roles to principals (OIDC subject, OIDC group, API token name); API tokens are stored only as
 * hashes. Nothing is allowed that a binding does not grant: an empty policy denies everyone.
 */

// ---------------------------------------------------------------------------------------------
// Operations.

/** Types of change an API caller can start; each is one workflow type. */
export const CHANGE_TYPES = ['provision', 'decommission', 'upgradeCluster', 'upgradeWave', 'rollout', 'fleetDecommission'] as const;
export type ChangeType = (typeof CHANGE_TYPES)[number];

/** Operator actions on a running change (the staged operations' updates). */
export const CHANGE_ACTIONS = ['approve', 'pause', 'resume', 'abort', 'retry', 'skip'] as const;
export type ChangeAction = (typeof CHANGE_ACTIONS)[number];

/** Everything a permission can grant: starting each type of change, viewing, each action. */
export const OPERATIONS = [...CHANGE_TYPES, 'view', ...CHANGE_ACTIONS] as const;
export type Operation = (typeof OPERATIONS)[number];

/**
 * Decoding and encoding payloads through the codec server. Not per environment: a payload's
 * plaintext can be anything in the namespace, so only a grant on every environment (`*`, no
 * fleet selector) allows it. Every built-in role has it: each views every environment.
 */
export const CODEC_OPERATION = 'codec';
/** What a permission may name: the operations, and codec. */
export const GRANTABLE_OPERATIONS = [...OPERATIONS, CODEC_OPERATION] as const;

// ---------------------------------------------------------------------------------------------
// Environment patterns.

/** Every environment. */
export const ANY_ENVIRONMENT = '*';
/** The environments the policy's `prodEnvironments` lists. */
export const PROD_ENVIRONMENTS = '@prod';
/** Every environment `prodEnvironments` does not list. */
export const NON_PROD_ENVIRONMENTS = '@non-prod';
const KEYWORDS: readonly string[] = [ANY_ENVIRONMENT, PROD_ENVIRONMENTS, NON_PROD_ENVIRONMENTS];

const EnvironmentNameSchema = z.string().min(1, 'must not be empty').refine(isLabelValue, 'must be an environment name (a label value)');

const EnvironmentPatternSchema = z
  .string()
  .refine((e) => KEYWORDS.includes(e) || (e !== '' && isLabelValue(e)), `must be an environment name, "${ANY_ENVIRONMENT}", "${PROD_ENVIRONMENTS}" or "${NON_PROD_ENVIRONMENTS}"`);

// ---------------------------------------------------------------------------------------------
// Roles and permissions.

const OPERATION_LIST = `${GRANTABLE_OPERATIONS.join(', ')} or *`;

/** A grant: these operations, on clusters of these environments (and matching `fleet`, if given). */
export const PermissionSchema = z
  .object({
    operations: z.array(z.enum([...GRANTABLE_OPERATIONS, '*'], { error: `must be an operation: ${OPERATION_LIST}` })).min(1, 'must name at least one operation'),
    environments: z.array(EnvironmentPatternSchema).min(1, 'must name at least one environment'),
    /** Narrows the grant to the clusters this selector matches; every cluster must then be known. */
    fleet: FleetSelectorSchema.optional(),
  })
  .strict();
export type Permission = z.output<typeof PermissionSchema>;

/** Roles every policy has; their meaning is fixed (see README, "Access policy"). */
export const BUILT_IN_ROLES = ['viewer', 'operator', 'prod-operator', 'approver', 'admin'] as const;
export type BuiltInRole = (typeof BUILT_IN_ROLES)[number];

const everywhere = [ANY_ENVIRONMENT];
const viewAll: Permission = { operations: ['view', CODEC_OPERATION], environments: everywhere };

/**
 * The built-in roles. Approving a prod gate is the approver's (and admin's) alone: a prod
 * operator runs prod changes but needs a second person for their gates.
 */
export const BUILT_IN_PERMISSIONS: Readonly<Record<BuiltInRole, readonly Permission[]>> = {
  viewer: [viewAll],
  operator: [viewAll, { operations: ['*'], environments: [NON_PROD_ENVIRONMENTS] }],
  'prod-operator': [
    viewAll,
    { operations: ['*'], environments: [NON_PROD_ENVIRONMENTS] },
    { operations: OPERATIONS.filter((o) => o !== 'approve'), environments: [PROD_ENVIRONMENTS] },
  ],
  approver: [{ operations: ['view', 'approve', CODEC_OPERATION], environments: everywhere }],
  admin: [{ operations: ['*'], environments: everywhere }],
};

const NameSchema = z
  .string()
  .max(63, 'must be at most 63 characters')
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be lowercase letters, digits and "-", starting and ending alphanumeric');

/** A role the config defines beside the built-in ones. */
export const CustomRoleSchema = z
  .object({
    name: NameSchema,
    description: z.string().max(500, 'must be at most 500 characters').optional(),
    permissions: z.array(PermissionSchema).min(1, 'must grant at least one permission'),
  })
  .strict();
export type CustomRole = z.output<typeof CustomRoleSchema>;

// ---------------------------------------------------------------------------------------------
// Tokens and bindings.

/**
 * Format of a stored API token: "sha256:" then the lowercase hex SHA-256 of the token's UTF-8
 * bytes (`printf %s "$TOKEN" | sha256sum`). The token itself is shown once and never stored.
 */
export const TOKEN_HASH_PATTERN = /^sha256:[0-9a-f]{64}$/;
const CLEAR_TOKEN = 'tokens are stored only as hashes: give hash: "sha256:<hex>", never the token itself';

/** A static API token for a machine (a CI pipeline, a change system), known by its name. */
export const ApiTokenSchema = z
  .object({
    name: NameSchema,
    hash: z.string().regex(TOKEN_HASH_PATTERN, 'must be "sha256:" and 64 lowercase hex digits, the SHA-256 of the token (never the token itself)'),
    description: z.string().max(500, 'must be at most 500 characters').optional(),
    // Named so that a token pasted in clear gets a message saying why, not "unrecognized key".
    token: z.never({ error: CLEAR_TOKEN }).optional(),
    secret: z.never({ error: CLEAR_TOKEN }).optional(),
  })
  .strict();
export type ApiToken = z.output<typeof ApiTokenSchema>;

const nonEmpty = (item: z.ZodType<string>) => z.array(item).min(1, 'must not be empty when given').optional();

/** Gives a role to OIDC subjects, members of OIDC groups, and API tokens (by name). */
export const BindingSchema = z
  .object({
    role: z.string().min(1, 'must name a role'),
    subjects: nonEmpty(z.string().min(1, 'must not be empty')),
    groups: nonEmpty(z.string().min(1, 'must not be empty')),
    tokens: nonEmpty(z.string().min(1, 'must not be empty')),
  })
  .strict()
  .refine((b) => b.subjects || b.groups || b.tokens, 'must name at least one of subjects, groups or tokens');
export type Binding = z.output<typeof BindingSchema>;

// ---------------------------------------------------------------------------------------------
// The policy.

/** The `access` section of the config file. `{}` is the default: built-in roles, nobody bound. */
export const AccessPolicySchema = z
  .object({
    /** Environments that are production: their changes need an approval gate, their gates four eyes. */
    prodEnvironments: z.array(EnvironmentNameSchema).min(1, 'must name at least one environment').default([...DEFAULT_PROD_ENVIRONMENTS]),
    roles: z.array(CustomRoleSchema).default([]),
    bindings: z.array(BindingSchema).default([]),
    tokens: z.array(ApiTokenSchema).default([]),
    /**
     * Change systems trusted to approve the gates of the changes they open ("token:servicenow"):
     * their own approval process (a CAB) is the second pair of eyes, and a change they open with
     * `approval: { by: "change-system" }` waits until they approve it through the API.
     */
    delegatedApprovers: z.array(z.string().regex(/^(oidc|token):.+$/, 'must be a principal: "token:NAME" or "oidc:SUBJECT"')).default([]),
  })
  .strict()
  // Runs even when fields have problems of their own, so that every problem is listed at once;
  // the value may then be partly unparsed, hence the defensive reading.
  .superRefine((value, ctx) => {
    const p = (value ?? {}) as Record<string, unknown>;
    const items = (v: unknown): Record<string, unknown>[] => (Array.isArray(v) ? v.map((x) => (x && typeof x === 'object' ? x : {})) : []);
    const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
    const roles = new Set<string>(BUILT_IN_ROLES);
    items(p.roles).forEach((r, i) => {
      const name = str(r.name);
      if (name === undefined) return;
      const why = (BUILT_IN_ROLES as readonly string[]).includes(name) ? `role ${name} is built in: give a custom role another name` : roles.has(name) ? `duplicate role name "${name}"` : undefined;
      if (why) ctx.addIssue({ code: 'custom', path: ['roles', i, 'name'], message: why });
      roles.add(name);
    });
    const tokenNames = new Set<string>();
    const hashes = new Set<string>();
    items(p.tokens).forEach((t, i) => {
      const [name, hash] = [str(t.name), str(t.hash)];
      if (name !== undefined && tokenNames.has(name)) ctx.addIssue({ code: 'custom', path: ['tokens', i, 'name'], message: `duplicate token name "${name}"` });
      // The message never repeats the hash: there is no need to echo anything about a credential.
      if (hash !== undefined && hashes.has(hash)) ctx.addIssue({ code: 'custom', path: ['tokens', i, 'hash'], message: 'same hash as an earlier token: each token must be distinct' });
      if (name !== undefined) tokenNames.add(name);
      if (hash !== undefined) hashes.add(hash);
    });
    items(p.bindings).forEach((b, i) => {
      const role = str(b.role);
      if (role && !roles.has(role)) ctx.addIssue({ code: 'custom', path: ['bindings', i, 'role'], message: `unknown role "${role}" (roles: ${[...roles].join(', ')})` });
      (Array.isArray(b.tokens) ? b.tokens : []).forEach((t: unknown, j) => {
        if (typeof t === 'string' && t && !tokenNames.has(t)) ctx.addIssue({ code: 'custom', path: ['bindings', i, 'tokens', j], message: `unknown token "${t}": not in access.tokens` });
      });
    });
  }, { when: () => true });
export type AccessPolicy = z.output<typeof AccessPolicySchema>;
export type AccessPolicyInput = z.input<typeof AccessPolicySchema>;

/** The safe default: built-in roles, no bindings, no tokens, so every request is denied. */
export const DEFAULT_ACCESS_POLICY: AccessPolicy = AccessPolicySchema.parse({});

/** The permissions of a role, built-in or custom; none for a name the policy does not define. */
export function permissionsOf(policy: AccessPolicy, role: string): readonly Permission[] {
  if ((BUILT_IN_ROLES as readonly string[]).includes(role)) return BUILT_IN_PERMISSIONS[role as BuiltInRole];
  return policy.roles.find((r) => r.name === role)?.permissions ?? [];
}

/** True when the policy counts the environment as production. */
export function isProdEnvironment(policy: AccessPolicy, environment: string): boolean {
  return policy.prodEnvironments.includes(environment);
}

/** True when an environment pattern of a permission covers the environment. */
export function environmentMatches(policy: AccessPolicy, pattern: string, environment: string): boolean {
  if (pattern === ANY_ENVIRONMENT) return true;
  if (pattern === PROD_ENVIRONMENTS) return isProdEnvironment(policy, environment);
  if (pattern === NON_PROD_ENVIRONMENTS) return !isProdEnvironment(policy, environment);
  return pattern === environment;
}
