import { z } from 'zod';
import { CHANGE_EVENT_TYPES } from './request.js';
import { CallbackHostPatternSchema } from './callback-hosts.js';

/**
 * The `webhooks` section of the Fleetflow config file: the secrets that sign callbacks (by
 * reference: an environment variable or a file on the worker, never the value), which secret
 * signs a change's own callbackUrl (per change system, with a default), the subscribers that
 * get every change's events, and the hosts a caller's callbackUrl may name.
 *
 * @example
 *   webhooks:
 *     secrets:
 *       servicenow: { env: FLEETFLOW_SERVICENOW_WEBHOOK_SECRET }
 *       audit: [{ file: /etc/fleetflow/audit-new }, { file: /etc/fleetflow/audit-old }]
 *     callbackSecret: servicenow
 *     allowedCallbackHosts: ['*.service-now.com']
 *     subscribers:
 *       - { name: audit-log, url: https://audit.example.com/fleetflow, secret: audit }
 */

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const NAME_ERROR = 'must be letters, digits, ".", "_" or "-", starting with a letter or digit';

/** The name of a secret: what targets and workflow inputs carry instead of the secret. */
export const SecretNameSchema = z.string().min(1, 'must not be empty').max(100, 'must be at most 100 characters').regex(NAME, NAME_ERROR);

/** One place a secret's value is read from on the worker, at each delivery. */
export const SecretSourceSchema = z
  .object({
    env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name').optional(),
    file: z.string().min(1, 'must not be empty').optional(),
  })
  .strict()
  .refine((s) => (s.env === undefined) !== (s.file === undefined), 'must name one of env or file');
export type SecretSource = z.output<typeof SecretSourceSchema>;

/** A secret: one source, or several while it is rotated (each signs; the receiver accepts either). */
export const SecretRefSchema = z
  .union([SecretSourceSchema, z.array(SecretSourceSchema).min(1, 'must list at least one source').max(4, 'must list at most 4 sources')], {
    error: 'must be { env: VAR }, { file: PATH } or a list of them',
  })
  .transform((ref) => (Array.isArray(ref) ? ref : [ref]));
export type SecretRef = z.output<typeof SecretRefSchema>;

/** A configured receiver of every change's events (an audit log, a chat bridge). */
export const SubscriberSchema = z
  .object({
    name: SecretNameSchema,
    url: z.url({ protocol: /^https?$/, error: 'must be an http or https URL' }),
    secret: SecretNameSchema,
    /** Event types it wants; every type when absent. */
    events: z
      .array(z.enum(CHANGE_EVENT_TYPES, { error: `must be one of ${CHANGE_EVENT_TYPES.join(', ')}` }))
      .min(1, 'must name at least one event type')
      .optional(),
  })
  .strict();
export type Subscriber = z.output<typeof SubscriberSchema>;

/** A record keyed by names; a bad key is named with the reason, not zod's "Invalid key in record". */
const byName = <V extends z.ZodType>(value: V) => z.record(SecretNameSchema, value, { error: (iss) => (iss.code === 'invalid_key' ? NAME_ERROR : undefined) });

export const WebhooksConfigSchema = z
  .object({
    secrets: byName(SecretRefSchema).default({}),
    /** The secret that signs a change's callbackUrl when its ticket system has none of its own. */
    callbackSecret: SecretNameSchema.optional(),
    /** Per change system (the ticket's `system`): its own callback secret. */
    systems: byName(z.object({ callbackSecret: SecretNameSchema }).strict()).default({}),
    subscribers: z.array(SubscriberSchema).max(10, 'must list at most 10 subscribers').default([]),
    /**
     * Hosts a caller's callbackUrl may name. Empty (the default): no callbackUrl is accepted,
     * because the server would otherwise POST wherever a caller points it (its own network,
     * cloud metadata endpoints). Subscribers are the operator's and need no entry.
     */
    allowedCallbackHosts: z.array(CallbackHostPatternSchema).default([]),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    const known = (name: string, path: (string | number)[]) => {
      if (!Object.hasOwn(cfg.secrets, name)) {
        const names = Object.keys(cfg.secrets);
        ctx.addIssue({ code: 'custom', path, message: `unknown secret "${name}" (webhooks.secrets has ${names.length ? names.join(', ') : 'none'})` });
      }
    };
    if (cfg.callbackSecret !== undefined) known(cfg.callbackSecret, ['callbackSecret']);
    for (const [system, s] of Object.entries(cfg.systems)) known(s.callbackSecret, ['systems', system, 'callbackSecret']);
    const seen = new Set<string>();
    cfg.subscribers.forEach((s, i) => {
      known(s.secret, ['subscribers', i, 'secret']);
      if (seen.has(s.name)) ctx.addIssue({ code: 'custom', path: ['subscribers', i, 'name'], message: `duplicate subscriber name "${s.name}"` });
      seen.add(s.name);
    });
  });
export type WebhooksConfig = z.output<typeof WebhooksConfigSchema>;

/** No secrets, no subscribers, no callbackUrl allowed: what a config file without `webhooks` means. */
export const DEFAULT_WEBHOOKS_CONFIG: WebhooksConfig = WebhooksConfigSchema.parse({});
