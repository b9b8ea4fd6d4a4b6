import { z } from 'zod';
import { parseDuration } from '../time/durations.js';
import { LabelsSchema, LabelValueSchema } from './labels.js';
import { MaintenancePolicySchema } from '../time/maintenance-window.js';
import { GKE_ONLY_FIELDS, GkeSpecFields } from './gke-options.js';
import { LOCAL_MACHINE_TYPES, localMachineType } from './machine-types.js';
import { AGENT_PROVIDERS, ConnectionSchema } from './connection.js';

/**
 * Providers a cluster can name. `external` is a cluster Fleetflow did not create and never
 * creates or deletes: it is reached through a kubeconfig the worker's config points to.
 */
export const PROVIDERS = ['local', 'eks', 'gke', 'external'] as const;
export type ProviderName = (typeof PROVIDERS)[number];

/** A DNS-1123 label short enough to prefix workflow ids and cloud resource names. */
export const ClusterNameSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(40, 'must be at most 40 characters')
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be lowercase letters, digits and "-", starting and ending alphanumeric');

/** "1.35" or "1.35.4": the provider resolves a minor to its newest supported patch. */
export const KubernetesVersionSchema = z
  .string()
  .regex(/^v?\d+\.\d+(\.\d+)?$/, 'must be a Kubernetes version such as "1.35" or "1.35.4"')
  .transform((v) => v.replace(/^v/, ''));

/** Name of a provider account in the worker's config (`accounts[].name`), never the secret itself. */
export const AccountNameSchema = ClusterNameSchema;

const MIN_CHECK_MS = 5_000;
const MAX_CHECK_MS = 24 * 3_600_000;

/** How often the cluster entity checks health and drift: a duration string, kept as written. */
export const CheckIntervalSchema = z.string().refine((text) => {
  const d = parseDuration(text);
  return d.ok && d.ms >= MIN_CHECK_MS && d.ms <= MAX_CHECK_MS;
}, 'must be a duration from "5s" to "24h", such as "5m"');

/** The check interval in ms (the default when absent: specs registered before it existed). */
export function checkIntervalMs(spec: { healthCheckInterval?: string }): number {
  const d = parseDuration(spec.healthCheckInterval ?? DEFAULT_CHECK_INTERVAL);
  return d.ok ? d.ms : 5 * 60_000;
}
export const DEFAULT_CHECK_INTERVAL = '5m';

/** A group of worker nodes (EKS managed node group, GKE node pool, simulated KWOK nodes on a local cluster). */
export const NodePoolSpecSchema = z
  .object({
    name: ClusterNameSchema,
    /** EKS instance type, GKE machine type, or a local one (src/domain/cluster/machine-types.ts); the provider's default when absent. */
    machineType: z.string().min(1).max(100).optional(),
    nodeCount: z.number().int('must be a whole number').min(0, 'must be at least 0').max(1000, 'must be at most 1000').default(1),
  })
  .strict();
export type NodePoolSpec = z.output<typeof NodePoolSpecSchema>;

/** What a platform team declares about one cluster; never holds a secret. */
export const ClusterSpecSchema = z
  .object({
    name: ClusterNameSchema,
    provider: z.enum(PROVIDERS, { error: `must be one of: ${PROVIDERS.join(', ')}` }),
    region: z.string().min(1, 'must not be empty').default('local'),
    environment: LabelValueSchema.pipe(z.string().min(1, 'must not be empty')).default('dev'),
    kubernetesVersion: KubernetesVersionSchema.optional(),
    labels: LabelsSchema.default({}),
    /** A protected cluster is only decommissioned when forced with a reason. */
    protected: z.boolean().default(false),
    description: z.string().max(500, 'must be at most 500 characters').optional(),
    /** Which configured account of the provider to use; the provider's default when absent. */
    account: AccountNameSchema.optional(),
    nodePools: z.array(NodePoolSpecSchema).max(50, 'must have at most 50 node pools').default([]),
    /** Health and drift are checked this often while the cluster is Active or Degraded. */
    healthCheckInterval: CheckIntervalSchema.default(DEFAULT_CHECK_INTERVAL),
    /** When upgrades and rollouts may touch this cluster; any time when absent. */
    maintenance: MaintenancePolicySchema.optional(),
    /** Direct (the worker's credentials) when absent; `agent` for a cluster behind a firewall. */
    connection: ConnectionSchema.optional(),
    ...GkeSpecFields,
  })
  .strict()
  .superRefine((spec, ctx) => {
    const seen = new Set<string>();
    spec.nodePools.forEach((pool, i) => {
      if (seen.has(pool.name)) ctx.addIssue({ code: 'custom', path: ['nodePools', i, 'name'], message: `duplicate node pool name "${pool.name}"` });
      seen.add(pool.name);
    });
    if ((spec.provider === 'eks' || spec.provider === 'gke') && spec.region === 'local') {
      ctx.addIssue({ code: 'custom', path: ['region'], message: `must name the cloud region or location for provider ${spec.provider}` });
    }
    if (spec.provider === 'external' && spec.nodePools.length > 0) {
      ctx.addIssue({ code: 'custom', path: ['nodePools'], message: `provider ${spec.provider} does not manage node pools` });
    }
    if (spec.connection?.mode === 'agent' && !(AGENT_PROVIDERS as readonly string[]).includes(spec.provider)) {
      ctx.addIssue({ code: 'custom', path: ['connection', 'mode'], message: `provider ${spec.provider} is reached directly; an agent serves providers ${AGENT_PROVIDERS.join(', ')}` });
    }
    if (spec.provider === 'local') {
      spec.nodePools.forEach((pool, i) => {
        if (!localMachineType(pool.machineType)) {
          const known = Object.keys(LOCAL_MACHINE_TYPES).join(', ');
          ctx.addIssue({ code: 'custom', path: ['nodePools', i, 'machineType'], message: `unknown machine type "${pool.machineType}" for provider local (known: ${known})` });
        }
      });
    }
    if (spec.provider !== 'gke') {
      for (const field of GKE_ONLY_FIELDS) {
        if (spec[field] !== undefined) ctx.addIssue({ code: 'custom', path: [field], message: `provider ${spec.provider} does not take ${field} (GKE only)` });
      }
    }
  });

export type ClusterSpec = z.output<typeof ClusterSpecSchema>;
export type ClusterSpecInput = z.input<typeof ClusterSpecSchema>;
