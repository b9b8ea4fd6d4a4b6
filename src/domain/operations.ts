import { z } from 'zod';
import { ClusterNameSchema, ClusterSpecSchema, type ProviderName } from './cluster-spec.js';

/** Input of provisionCluster, as started from the UI, the CLI or the API. */
export const ProvisionInputSchema = z
  .object({
    spec: ClusterSpecSchema,
    requestedBy: z.string().max(200).optional(),
  })
  .strict();
export type ProvisionInput = z.input<typeof ProvisionInputSchema>;

/** Input of decommissionCluster: a protected cluster needs force and a reason. */
export const DecommissionInputSchema = z
  .object({
    name: ClusterNameSchema,
    force: z.boolean().default(false),
    reason: z.string().max(500, 'must be at most 500 characters').optional(),
    requestedBy: z.string().max(200).optional(),
  })
  .strict()
  .refine((v) => !v.force || !!v.reason?.trim(), { message: 'a forced decommission needs a reason', path: ['reason'] });
export type DecommissionInput = z.input<typeof DecommissionInputSchema>;

/** How often to look and how long to wait for a provider to finish; clouds are slow, local is not. */
export function pollPlan(provider: ProviderName): { intervalMs: number; readyTimeoutMs: number; deleteTimeoutMs: number } {
  switch (provider) {
    case 'local':
      return { intervalMs: 1_000, readyTimeoutMs: 5 * 60_000, deleteTimeoutMs: 5 * 60_000 };
  }
}
