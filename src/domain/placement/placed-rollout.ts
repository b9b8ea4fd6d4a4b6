import { planStages, type PlanOptions, type RolloutPlan } from '../staged/plan.js';
import type { RolloutPreview } from '../rollout/preview.js';
import { formatPreview } from '../rollout/preview.js';
import type { PlacementCluster } from './cluster.js';
import { decidePlacement, type PlacementDecision } from './decide.js';
import { formatDecision } from './format.js';
import type { Placement } from './spec.js';

/** The clusters a placed rollout goes to (in name order) and the decision that chose them. */
export function placedSelection(p: Placement, fleet: readonly PlacementCluster[], now: number): { selected: PlacementCluster[]; decision: PlacementDecision } {
  const decision = decidePlacement(p, fleet, { now });
  const chosen = new Set(decision.chosen);
  return { selected: fleet.filter((c) => chosen.has(c.name)).sort((a, b) => a.name.localeCompare(b.name)), decision };
}

/** The dry run of a placed rollout: the decision with every reason, then the stages it plans. */
export function previewPlacedRollout(p: Placement, plan: RolloutPlan, fleet: readonly PlacementCluster[], now: number, opts: PlanOptions = {}): { decision: PlacementDecision; preview: RolloutPreview; lines: string[] } {
  const { selected, decision } = placedSelection(p, fleet, now);
  const { stages, unassigned } = planStages(plan, selected, opts);
  const preview: RolloutPreview = { stages, excluded: [], unassigned };
  return { decision, preview, lines: [...formatDecision(decision), ...formatPreview(preview)] };
}
