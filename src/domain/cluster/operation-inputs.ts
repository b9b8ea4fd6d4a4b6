import { z } from 'zod';
import { ClusterNameSchema, ClusterSpecSchema, type ProviderName } from './spec.js';
import { BundleNameSchema, BundleSchema } from '../bundle/bundle.js';
import { BundleOverrideSchema } from '../bundle/overrides.js';
import { OPERATION_TYPES } from './state.js';

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

/** Input of rollbackBundle: undo one revision of a bundle on one cluster. */
export const RollbackBundleInputSchema = z
  .object({
    cluster: ClusterNameSchema,
    bundle: BundleNameSchema,
    /** The revision being undone. */
    revision: z.string().min(1, 'must not be empty'),
    /** The revision to return to (null: remove the bundle); absent: the one before `revision` in the cluster's record. */
    to: z.string().min(1, 'must not be empty').nullable().optional(),
    requestedBy: z.string().max(200).optional(),
    reason: z.string().max(500).optional(),
  })
  .strict();
export type RollbackBundleInput = z.input<typeof RollbackBundleInputSchema>;

export interface PollPlan {
  /** First wait between two looks; it doubles up to maxIntervalMs. */
  intervalMs: number;
  maxIntervalMs: number;
  readyTimeoutMs: number;
  deleteTimeoutMs: number;
}

/** How often to look and how long to wait for a provider to finish; clouds are slow, local is not. */
export function pollPlan(provider: ProviderName): PollPlan {
  switch (provider) {
    case 'local':
    case 'external':
      return { intervalMs: 1_000, maxIntervalMs: 5_000, readyTimeoutMs: 5 * 60_000, deleteTimeoutMs: 5 * 60_000 };
    case 'eks':
    case 'gke':
      // Managed control planes take 10-20 minutes: start with a quick look (an adopted cluster
      // may be ready already), then back off to a minute so a slow create costs ~60 polls.
      return { intervalMs: 2_000, maxIntervalMs: 60_000, readyTimeoutMs: 45 * 60_000, deleteTimeoutMs: 30 * 60_000 };
  }
}

/**
 * The waits between polls of a long provider operation: doubling from the first interval to
 * the cap, so a quick cluster is seen at once and a slow one costs few history events.
 */
export function nextPollDelay(plan: Pick<PollPlan, 'intervalMs' | 'maxIntervalMs'>, attempt: number): number {
  return Math.min(plan.maxIntervalMs, plan.intervalMs * 2 ** Math.min(attempt, 30));
}

/** A claim on a cluster entity, as the claimOperation update receives it from any client. */
export const OperationRequestSchema = z
  .object({
    id: z.string().min(1, 'must name the operation workflow').max(400),
    type: z.enum(OPERATION_TYPES),
    requestedBy: z.string().max(200).optional(),
    force: z.boolean().optional(),
    reason: z.string().max(500).optional(),
    spec: ClusterSpecSchema.optional(),
  })
  .strict();

/**
 * A bundle by reference to the fleetRollout that carries it: its children take this instead
 * of the manifests, so a bundle is in one history once, not in the parent's history once per
 * cluster. `overrides` are the rollout's overrides that match this cluster, already chosen.
 */
export const RolloutBundleRefSchema = z
  .object({
    /** The rollout's workflow id: its current run's input holds the bundle. */
    rollout: z.string().min(1, 'must name the rollout workflow').max(400),
    name: BundleNameSchema,
    revision: z.string().min(1, 'must not be empty').max(253, 'must be at most 253 characters'),
    overrides: z.array(BundleOverrideSchema).max(100, 'must have at most 100 overrides').default([]),
  })
  .strict();
export type RolloutBundleRef = z.input<typeof RolloutBundleRefSchema>;

/** Input of applyBundleToCluster: one bundle revision onto one cluster. */
export const ApplyBundleInputSchema = z
  .object({
    cluster: ClusterNameSchema,
    /** The bundle itself, or (from a rollout) `bundleFrom`. */
    bundle: BundleSchema.optional(),
    bundleFrom: RolloutBundleRefSchema.optional(),
    /** Re-apply the revision whenever the entity's periodic check finds drift. */
    autoReconcile: z.boolean().default(false),
    /** How long the bundle's workloads may take to become available. */
    rolloutDeadlineSeconds: z.number().int().min(10, 'must be at least 10').max(3_600, 'must be at most 3600').default(600),
    requestedBy: z.string().max(200).optional(),
  })
  .strict()
  .refine((v) => (v.bundle === undefined) !== (v.bundleFrom === undefined), { message: 'give either bundle or bundleFrom, not both or neither', path: ['bundle'] });
export type ApplyBundleInput = z.input<typeof ApplyBundleInputSchema>;
