import { z } from 'zod';
import { CLUSTER_PHASES } from '../cluster/state.js';
import { DurationSchema } from '../time/durations.js';
import { ChangeLinkFields } from '../staged/change-link.js';
import { FleetSelectorSchema, isEmptySelector, selectClusters, type ClusterSummary, type ExcludedCluster } from '../selection/fleet-selector.js';

/** Environments whose clusters make a fleet decommission wait for an approval. */
export const DEFAULT_PROD_ENVIRONMENTS = ['prod', 'production'] as const;

/** Input of a fleet decommission by selector. */
export const FleetDecommissionInputSchema = z
  .object({
    selector: FleetSelectorSchema,
    reason: z.string().trim().min(1, 'must say why the clusters are retired').max(500, 'must be at most 500 characters'),
    requestedBy: z.string().max(200).optional(),
    prodEnvironments: z.array(z.string().min(1)).default([...DEFAULT_PROD_ENVIRONMENTS]),
    /** How long the approval gate (or a stop after a failure) waits for the operator before the workflow fails. */
    approvalTimeout: DurationSchema.prefault('24h'),
    /** At most this many clusters are decommissioned at once. */
    maxConcurrency: z.number().int('must be a whole number').min(1, 'must be at least 1').max(100, 'must be at most 100').default(5),
    /** Failed clusters tolerated before nothing new starts and the operator must retry, skip or abort. */
    maxFailures: z.number().int('must be a whole number').min(0, 'must be 0 or more').default(0),
    changeId: ChangeLinkFields.changeId,
  })
  .strict()
  .superRefine((input, ctx) => {
    // `{}` selects every cluster: never what anyone means when deleting.
    if (isEmptySelector(input.selector)) {
      ctx.addIssue({ code: 'custom', path: ['selector'], message: 'must select something: an empty selector would decommission the whole fleet' });
    }
  });
export type FleetDecommissionInput = z.output<typeof FleetDecommissionInputSchema>;

/** What a fleet decommission will do, refuse and report. */
export interface FleetDecommissionPlan {
  /** Clusters to decommission, by name. */
  selected: string[];
  /** Protected clusters: refused here; retire them one by one with force and a reason. */
  refused: { name: string; reason: 'ClusterProtected'; message: string }[];
  excluded: ExcludedCluster[];
  approvalRequired: boolean;
  /** Why approval is needed, one sentence per production cluster. */
  approvalReasons: string[];
}

/** Every phase but Deleted and Decommissioning: a never-provisioned or failed cluster may be retired too. */
const DECOMMISSION_PHASES = CLUSTER_PHASES.filter((p) => p !== 'Deleted' && p !== 'Decommissioning');

/**
 * Decides a fleet decommission: protected clusters are refused (a selector is too blunt a tool
 * for them), busy, deleted and explicitly excluded ones are reported, and an approval is
 * required as soon as any cluster to be decommissioned is in a production environment.
 */
export function planFleetDecommission(input: FleetDecommissionInput, inventory: readonly ClusterSummary[]): FleetDecommissionPlan {
  const { selected, excluded } = selectClusters(input.selector, inventory, { eligiblePhases: DECOMMISSION_PHASES });
  const plan: FleetDecommissionPlan = { selected: [], refused: [], excluded, approvalRequired: false, approvalReasons: [] };
  const prod = new Set(input.prodEnvironments);
  for (const c of selected) {
    if (c.protected) {
      plan.refused.push({
        name: c.name,
        reason: 'ClusterProtected',
        message: `${c.name} is protected: a fleet decommission never retires it; decommission it alone with force and a reason`,
      });
      continue;
    }
    plan.selected.push(c.name);
    if (prod.has(c.environment)) plan.approvalReasons.push(`${c.name} is in environment ${c.environment}`);
  }
  plan.approvalRequired = plan.approvalReasons.length > 0;
  return plan;
}
