// Workflows that exist only for domain-sandbox.test.ts: they run the pure planning code inside
// the real workflow sandbox (webpack bundle, V8 context, deterministic Date), where the fleet
// workflows will run it.
import { sleep } from '@temporalio/workflow';
import { FleetSelectorSchema, selectClusters, type ClusterSummary } from '../../src/domain/selection/fleet-selector.js';
import { MaintenancePolicySchema, isOpen, nextOpening } from '../../src/domain/time/maintenance-window.js';
import { decideRollout } from '../../src/domain/staged/engine.js';
import { RolloutPlanSchema, planStages } from '../../src/domain/staged/plan.js';

export interface PlanningProbeInput {
  policy: unknown;
  at: number;
  selector: unknown;
  plan: unknown;
  inventory: ClusterSummary[];
}

/** Plans and does window math for a fixed instant, returning what it computed. */
export async function planningProbe(input: PlanningProbeInput) {
  const policy = MaintenancePolicySchema.parse(input.policy);
  const { selected, excluded } = selectClusters(FleetSelectorSchema.parse(input.selector), input.inventory);
  const { stages } = planStages(RolloutPlanSchema.parse(input.plan), selected);
  const decision = decideRollout({ stages, runs: {}, operator: {}, now: input.at });
  return {
    opening: nextOpening(policy, input.at),
    openAt: isOpen(policy, input.at),
    stages: stages.map((s) => s.clusters),
    excluded: excluded.map((e) => e.name),
    start: decision.start,
  };
}

/** Sleeps until the policy's next opening, the way an upgrade waits for a closed window. */
export async function waitForWindow(policyInput: unknown): Promise<{ startedAt: number; opensAt: number | null; wokeAt: number; openOnWake: boolean }> {
  const policy = MaintenancePolicySchema.parse(policyInput);
  const startedAt = Date.now();
  const next = nextOpening(policy, startedAt);
  if (next.opensAt === null) return { startedAt, opensAt: null, wokeAt: startedAt, openOnWake: false };
  await sleep(next.opensAt - startedAt);
  const wokeAt = Date.now();
  return { startedAt, opensAt: next.opensAt, wokeAt, openOnWake: isOpen(policy, wokeAt) };
}

/**
 * What a run sees of a schema the worker preloads (workflows/shared-modules.ts): shared schemas
 * are frozen before the SDK's freeze, their zod internals are not, and they still parse.
 */
export async function sharingProbe(plan: unknown): Promise<{ schemaFrozen: boolean; internalsFrozen: boolean; problems: string[] }> {
  const parsed = RolloutPlanSchema.safeParse(plan);
  return {
    schemaFrozen: Object.isFrozen(RolloutPlanSchema),
    internalsFrozen: Object.isFrozen((RolloutPlanSchema as unknown as { _zod: object })._zod),
    problems: parsed.success ? [] : parsed.error.issues.map((i) => i.path.join('.')),
  };
}
