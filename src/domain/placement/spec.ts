import { z } from 'zod';
import { parseQuantity } from '../cluster/capacity.js';
import { isLabelKey } from '../cluster/labels.js';
import { ClusterNameSchema } from '../cluster/spec.js';
import { FleetSelectorSchema } from '../selection/fleet-selector.js';
import { DurationSchema } from '../time/durations.js';

/**
 * A Placement: which clusters a workload goes to. Predicates first (the fleet selector, required
 * claims, taints the placement does not tolerate, excluded clusters, free capacity for its
 * requests), then weighted prioritizers rank the clusters left, then `numberOfClusters` of
 * them are taken under the spread constraints. See decide.ts for the order and README
 * "Placement" for the rules in words.
 */

/** Claims every cluster has beside its labels; any label key is a claim too. */
export const BUILTIN_CLAIMS = {
  region: 'fleetflow.dev/region',
  provider: 'fleetflow.dev/provider',
  environment: 'fleetflow.dev/environment',
  zone: 'fleetflow.dev/zone',
  kubernetesVersion: 'fleetflow.dev/kubernetes-version',
} as const;

const ClaimKeySchema = z.string().refine(isLabelKey, 'must be a claim: a label key such as "gpu" or a built-in such as "fleetflow.dev/region"');

/** A required claim, with Kubernetes label-expression operators. */
export const ClaimRequirementSchema = z
  .object({
    claim: ClaimKeySchema,
    operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist'], { error: 'must be one of: In, NotIn, Exists, DoesNotExist' }),
    values: z.array(z.string().min(1, 'must not be empty')).optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    const needs = r.operator === 'In' || r.operator === 'NotIn';
    if (needs && !r.values?.length) ctx.addIssue({ code: 'custom', path: ['values'], message: `operator ${r.operator} needs at least one value` });
    if (!needs && r.values !== undefined) ctx.addIssue({ code: 'custom', path: ['values'], message: `operator ${r.operator} must not have values` });
  });
export type ClaimRequirement = z.output<typeof ClaimRequirementSchema>;

/**
 * What a taint does: NoSelect keeps the cluster out (and takes it from a placement that had
 * it); NoSelectIfNew keeps it out of new choices but leaves a placement that has it alone.
 */
export const TAINT_EFFECTS = ['NoSelect', 'NoSelectIfNew'] as const;
export type TaintEffect = (typeof TAINT_EFFECTS)[number];

/** A toleration: of the taint `key` (any effect, or only `effect`). */
export const TolerationSchema = z
  .object({
    key: z.string().refine(isLabelKey, 'must be a taint key such as "dedicated" or "fleetflow.dev/unhealthy"'),
    effect: z.enum(TAINT_EFFECTS, { error: `must be one of: ${TAINT_EFFECTS.join(', ')}` }).optional(),
  })
  .strict();
export type Toleration = z.output<typeof TolerationSchema>;

const quantity = (what: string) => z.string().refine((q) => (parseQuantity(q) ?? -1) > 0, `must be a positive ${what} quantity such as ${what === 'CPU' ? '"500m" or "2"' : '"256Mi" or "2Gi"'}`);

/** The prioritizers, each scoring a cluster 0..100 (see prioritizers.ts). */
export const PRIORITIZERS = ['FreeCPU', 'FreeMemory', 'Spread', 'Steady'] as const;
export type PrioritizerName = (typeof PRIORITIZERS)[number];

/** Topology keys of spread: built-in ones, or any cluster label key. */
export const TopologyKeySchema = z.string().refine((k) => ['region', 'zone', 'provider', 'environment'].includes(k) || isLabelKey(k), 'must be region, zone, provider, environment or a label key');

export const PrioritizerSchema = z
  .object({
    name: z.enum(PRIORITIZERS, { error: `must be one of: ${PRIORITIZERS.join(', ')}` }),
    weight: z.number().int('must be a whole number').min(0, 'must be at least 0').max(100, 'must be at most 100'),
    /** Spread only: across which topology (default region). */
    topologyKey: TopologyKeySchema.optional(),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.topologyKey !== undefined && p.name !== 'Spread') ctx.addIssue({ code: 'custom', path: ['topologyKey'], message: `only Spread takes a topologyKey, not ${p.name}` });
  });
export type Prioritizer = z.output<typeof PrioritizerSchema>;

/**
 * The default ranking: free CPU and memory count once each, spreading across regions once, and
 * the choice already made three times, so capacity alone (at most 200 points) never outweighs
 * a steady choice (300 points): a workload moves for a failed predicate, not for a better score.
 */
export const DEFAULT_PRIORITIZERS: Prioritizer[] = [
  { name: 'FreeCPU', weight: 1 },
  { name: 'FreeMemory', weight: 1 },
  { name: 'Spread', weight: 1, topologyKey: 'region' },
  { name: 'Steady', weight: 3 },
];

/** At most `maxSkew` more chosen clusters in one domain of `topologyKey` than in the emptiest one. */
export const SpreadConstraintSchema = z
  .object({
    topologyKey: TopologyKeySchema,
    maxSkew: z.number().int('must be a whole number').min(1, 'must be at least 1'),
  })
  .strict();
export type SpreadConstraint = z.output<typeof SpreadConstraintSchema>;

export const PlacementSchema = z
  .object({
    /** Which clusters are candidates at all (labels, providers, regions, environments, versions). */
    selector: FleetSelectorSchema.default({}),
    /** Claims a cluster must have, e.g. {"claim": "gpu", "operator": "Exists"}. */
    require: z.array(ClaimRequirementSchema).max(50, 'must have at most 50 requirements').default([]),
    /** Taints of clusters this workload may go to anyway. */
    tolerations: z.array(TolerationSchema).max(50, 'must have at most 50 tolerations').default([]),
    /** Never these clusters. */
    excludeClusters: z.array(ClusterNameSchema).default([]),
    /** Free CPU and memory a cluster must have to take the workload (what its pods request). */
    requests: z.object({ cpu: quantity('CPU').optional(), memory: quantity('memory').optional() }).strict().optional(),
    prioritizers: z.array(PrioritizerSchema).min(1, 'must have at least one prioritizer').max(10, 'must have at most 10 prioritizers').default(DEFAULT_PRIORITIZERS),
    /** How many clusters; absent: every cluster that passes the predicates. */
    numberOfClusters: z.number().int('must be a whole number').min(1, 'must be at least 1').max(1000, 'must be at most 1000').optional(),
    spread: z.array(SpreadConstraintSchema).max(5, 'must have at most 5 spread constraints').default([]),
    /**
     * Hysteresis: a chosen cluster that starts failing a predicate keeps its place this long
     * (one bad health check, a brief capacity spike does not move the workload).
     */
    removeAfter: DurationSchema.prefault('2m'),
  })
  .strict()
  .superRefine((p, ctx) => {
    const excluded = new Set(p.excludeClusters);
    (p.selector.include ?? []).forEach((name, i) => {
      if (excluded.has(name)) ctx.addIssue({ code: 'custom', path: ['selector', 'include', i], message: `cluster ${name} is both included and in excludeClusters` });
    });
    if (p.prioritizers.every((x) => x.weight === 0)) ctx.addIssue({ code: 'custom', path: ['prioritizers'], message: 'at least one prioritizer must have a weight above 0' });
  });
export type Placement = z.output<typeof PlacementSchema>;
export type PlacementInput = z.input<typeof PlacementSchema>;
