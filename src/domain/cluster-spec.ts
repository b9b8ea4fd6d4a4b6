import { z } from 'zod';
import { LabelsSchema, LabelValueSchema } from './labels.js';

/** Providers a cluster can name. Only `local` runs here today; the cloud ones come next. */
export const PROVIDERS = ['local'] as const;
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
  })
  .strict();

export type ClusterSpec = z.output<typeof ClusterSpecSchema>;
export type ClusterSpecInput = z.input<typeof ClusterSpecSchema>;
