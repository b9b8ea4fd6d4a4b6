import { z } from 'zod';
import { ClusterTargetSchema } from './target.js';
import { TargetVersionSchema } from '../upgrade/removed-apis.js';

/**
 * Input schemas of the in-cluster operations (health, cordon/drain, removed-API scan), shared
 * by the activities that parse them and the workflows that build them. Pure.
 */


/** A Node name: a DNS-1123 subdomain. */
export const NodeNameSchema = z
  .string()
  .max(253, 'must be at most 253 characters')
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, 'must be a DNS subdomain (lowercase letters, digits, "-" and ".")');

/** Input of checkClusterHealth. */
export const HealthCheckInputSchema = z
  .object({
    target: ClusterTargetSchema,
    /** "1.35" or "1.35.4": another version on the server makes the cluster Degraded. */
    expectedVersion: TargetVersionSchema.optional(),
    /** Fewer Ready nodes than this is Degraded (default 0: control-plane-only clusters are fine). */
    minReadyNodes: z.number().int().min(0).optional(),
  })
  .strict();
export type HealthCheckInput = z.input<typeof HealthCheckInputSchema>;

/** Input of cordonNode and uncordonNode. */
export const NodeInputSchema = z.object({ target: ClusterTargetSchema, node: NodeNameSchema }).strict();
export type NodeInput = z.input<typeof NodeInputSchema>;

/** Input of drainNode. */
export const DrainInputSchema = z
  .object({
    target: ClusterTargetSchema,
    node: NodeNameSchema,
    /** The drain's own budget; the activity also stops before its start-to-close timeout. */
    deadlineSeconds: z.number().int().min(1).max(24 * 3600).default(600),
    /** Eviction grace period; default each pod's own. 0 removes pods at once. */
    gracePeriodSeconds: z.number().int().min(0).optional(),
    /** Wait between retries of evictions a PodDisruptionBudget refused. */
    retryIntervalSeconds: z.number().min(0.05).max(300).default(5),
  })
  .strict();
export type DrainInput = z.input<typeof DrainInputSchema>;

/** The least of a manifest the removed-API check reads; other fields pass through untouched. */
const ManifestSchema = z.looseObject({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: z.looseObject({ name: z.string().optional(), namespace: z.string().optional() }).optional(),
});

/** Input of scanRemovedApis: the live cluster, and optionally a bundle about to be applied. */
export const ApiScanInputSchema = z
  .object({
    target: ClusterTargetSchema,
    /** The release the cluster is about to be upgraded to. */
    targetVersion: TargetVersionSchema,
    manifests: z.array(ManifestSchema).max(5_000, 'at most 5000 manifests per scan').default([]),
  })
  .strict();
export type ApiScanInput = z.input<typeof ApiScanInputSchema>;
