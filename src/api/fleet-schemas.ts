import { z } from '@hono/zod-openapi';
import { ClusterNameSchema } from '../domain/cluster/spec.js';
import { PlacementSchema } from '../domain/placement/spec.js';
import { COMPLIANCE_STATES } from '../domain/policy/compliance.js';
import { FleetPolicyNameSchema } from '../domain/policy/fleet-policy.js';

/**
 * Schemas of the placement and policy routes. A preview's placement is the very schema the
 * CLI, fleetRollout and placedBundle validate with, so the API refuses what they would.
 */

const Timestamp = z.string().openapi({ format: 'date-time' });
const AnyObject = z.record(z.string(), z.unknown());
const Links = z.object({ self: z.string() });

export const PlacementPreviewBody = z
  .object({ placement: PlacementSchema.meta({ description: 'A placement, as `fleetflow placement preview -f FILE` reads it (see README "Placement").' }) })
  .strict()
  .openapi('PlacementPreviewRequest');

const ClusterDecisionSchema = z
  .object({
    name: z.string(),
    chosen: z.boolean(),
    verdict: z.enum(['Chosen', 'Kept', 'Filtered', 'NotChosen', 'CutBySkew']),
    reason: z.string().openapi({ description: 'In words: the failed predicate, the score and rank, or what cut it.' }),
    predicate: z.string().optional(),
    score: AnyObject.optional().openapi({ description: "Each prioritizer's score and weight, and the total." }),
  })
  .openapi('ClusterDecision');

export const PlacementDecisionSchema = z
  .object({
    wanted: z.union([z.number().int(), z.literal('all')]),
    chosen: z.array(z.string()),
    clusters: z.array(ClusterDecisionSchema).openapi({ description: 'Every cluster considered, chosen or not, with why.' }),
    failingSince: z.record(z.string(), z.string()),
    summary: z.string(),
  })
  .openapi('PlacementDecision');

export const PlacementPreviewSchema = z
  .object({ decision: PlacementDecisionSchema, lines: z.array(z.string()).openapi({ description: 'The decision as `placement preview` prints it.' }) })
  .openapi('PlacementPreview');

const BundleRef = z.object({ name: z.string(), revision: z.string() });

const PlacementMoveSchema = z
  .object({ at: Timestamp, cluster: z.string(), action: z.enum(['add', 'remove', 'forget', 'update']), outcome: z.enum(['Succeeded', 'Failed', 'Busy']), message: z.string() })
  .catchall(z.unknown())
  .openapi('PlacementMove');

export const PlacementStatusSchema = z
  .object({
    name: z.string(),
    workflowId: z.string().openapi({ example: 'placement/shop' }),
    bundle: BundleRef,
    placed: z.array(z.object({ cluster: z.string(), since: Timestamp, revision: z.string() })).openapi({ description: 'Clusters that have the bundle now, and the revision each has (another than `bundle.revision` while an update rolls out).' }),
    decision: PlacementDecisionSchema.optional().openapi({ description: 'The current decision (absent before the first evaluation).' }),
    moves: z.array(PlacementMoveSchema).openapi({ description: 'Moves made, newest first (at most 50).' }),
    holding: z.string().optional().openapi({ description: 'What holds a move back now.' }),
    lastEvaluatedAt: Timestamp.optional(),
    audit: z.array(z.object({ at: Timestamp, action: z.enum(['update', 'delete']), by: z.string(), reason: z.string().optional(), detail: z.string() })).openapi({ description: 'Update and delete requests, newest first.' }),
    deleting: z.object({ by: z.string(), reason: z.string().optional(), at: Timestamp }).optional().openapi({ description: 'Set once a delete was asked for: the bundle is being removed.' }),
    evaluations: z.number().int(),
    generation: z.number().int(),
    summary: z.string(),
    links: Links,
  })
  .catchall(z.unknown())
  .openapi('Placement', { description: 'A placement in force (workflow `placement/<name>`): where the bundle is, the decision with every reason, the moves.' });

export const PlacementSummarySchema = z
  .object({
    name: z.string(),
    workflowId: z.string(),
    bundle: BundleRef,
    placed: z.array(z.string()),
    chosen: z.array(z.string()),
    summary: z.string(),
    lastEvaluatedAt: Timestamp.optional(),
    links: Links,
  })
  .openapi('PlacementSummary');

export const PlacementListSchema = z.object({ placements: z.array(PlacementSummarySchema) }).openapi('PlacementList');

export const PlacementNameParams = z.object({ name: ClusterNameSchema.meta({ param: { name: 'name', in: 'path' }, example: 'shop' }) });

const CellSchema = z
  .object({ state: z.enum(COMPLIANCE_STATES), reasons: z.array(z.string()) })
  .openapi('ComplianceCell', { description: 'Compliance of one policy on one cluster, with why (what is missing or differs, what is awaited).' });

const Counts = z.record(z.string(), z.number().int()).openapi({ description: 'Cells per compliance state.' });

const PolicyEntry = z.object({
  name: z.string(),
  mode: z.enum(['enforce', 'inform']),
  revision: z.string(),
  bundle: z.string().optional(),
  rollout: AnyObject.optional().openapi({ description: "An enforced policy's latest rollout: its id, status, revision, clusters." }),
});

export const PolicyStatusSchema = z
  .object({
    name: z.string(),
    workflowId: z.string().openapi({ example: 'policy/guardrails' }),
    generation: z.number().int(),
    selector: z.unknown(),
    policies: z.array(PolicyEntry),
    clusters: z.array(z.string()).openapi({ description: 'The clusters the selector picked at the last evaluation.' }),
    matrix: z.record(z.string(), z.record(z.string(), CellSchema)).openapi({ description: 'cluster -> policy -> compliance.' }),
    counts: Counts,
    changes: z.array(AnyObject).openapi({ description: 'The latest compliance changes, newest first (at most 50).' }),
    evaluatedAt: Timestamp.optional(),
    deleting: AnyObject.optional(),
    links: Links,
  })
  .catchall(z.unknown())
  .openapi('FleetPolicy', { description: 'A fleet policy (workflow `policy/<name>`): its policies, revisions and rollouts, and the fleet x policy matrix.' });

export const PolicySummarySchema = z
  .object({
    name: z.string(),
    workflowId: z.string(),
    generation: z.number().int(),
    policies: z.array(PolicyEntry.pick({ name: true, mode: true, revision: true })),
    clusters: z.number().int().openapi({ description: 'How many clusters the selector picked.' }),
    counts: Counts,
    evaluatedAt: Timestamp.optional(),
    links: Links,
  })
  .openapi('FleetPolicySummary');

export const PolicyListSchema = z.object({ policies: z.array(PolicySummarySchema) }).openapi('FleetPolicyList');

export const PolicyNameParams = z.object({ name: FleetPolicyNameSchema.meta({ param: { name: 'name', in: 'path' }, example: 'guardrails' }) });

export const ComplianceMatrixSchema = z
  .object({
    columns: z
      .array(z.object({ id: z.string().openapi({ example: 'guardrails/payments-view' }), fleetPolicy: z.string(), policy: z.string(), mode: z.enum(['enforce', 'inform']) }))
      .openapi({ description: 'One column per policy of each fleet policy, `<fleetPolicy>/<policy>`.' }),
    rows: z
      .array(z.object({ cluster: z.string(), cells: z.record(z.string(), CellSchema).openapi({ description: 'By column id; a policy whose selector does not pick the cluster has no cell.' }) }))
      .openapi({ description: 'One row per cluster, by name.' }),
    counts: Counts,
  })
  .openapi('ComplianceMatrix', { description: 'The fleet x policy matrix over every fleet policy, as `fleetflow policy status` prints it.' });
