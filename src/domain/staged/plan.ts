import { z } from 'zod';
import { DurationSchema } from '../time/durations.js';
import { FleetSelectorSchema, matchesSelector, type ClusterSummary, type FleetSelector } from '../selection/fleet-selector.js';

// ---------------------------------------------------------------------------------------------
// Counts and percentages.
//
// Resolution rules, one place: a percentage of n clusters is ceil(p * n / 100), computed in
// integers so 10% of 30 is exactly 3. maxConcurrency is at least 1 (a stage always moves);
// maxFailures may be 0 (the first failure breaches) and 0% resolves to 0. Generated steps are
// cumulative shares of the whole selection, each rounded up.

/** 3 or "25%": a count, or a whole percentage of a stage's clusters. */
export type CountOrPercent = { count: number } | { percent: number };

const PERCENT = /^(\d{1,3})%$/;

function countOrPercent(minCount: number) {
  return z.unknown().transform((v, ctx): CountOrPercent => {
    if (typeof v === 'number') {
      if (Number.isInteger(v) && v >= minCount) return { count: v };
      ctx.addIssue({ code: 'custom', message: `must be a whole number of at least ${minCount}, or a percentage such as "25%"` });
      return z.NEVER;
    }
    const m = typeof v === 'string' ? PERCENT.exec(v.trim()) : null;
    const p = m ? Number(m[1]) : NaN;
    if (p >= Math.max(minCount, 0) && p <= 100 && (minCount === 0 || p > 0)) return { percent: p };
    ctx.addIssue({ code: 'custom', message: `must be a percentage from ${minCount === 0 ? 0 : 1}% to 100%, or a whole number` });
    return z.NEVER;
  });
}

/** maxConcurrency: at least 1, or 1%..100%. */
export const ConcurrencySchema = countOrPercent(1);
/** maxFailures: 0 or more, or 0%..100%. */
export const FailureBudgetSchema = countOrPercent(0);

/** ceil(p * n / 100) without floating point. */
export const percentOf = (percent: number, n: number): number => Math.floor((percent * n + 99) / 100);

/** A count or percentage resolved against a stage of `n` clusters, at least `min`. */
export function resolveCount(v: CountOrPercent, n: number, min = 0): number {
  return Math.max(min, 'count' in v ? v.count : percentOf(v.percent, n));
}

// ---------------------------------------------------------------------------------------------
// The schema.

/** Approval gates of a stage: none, before it starts, or after its clusters are done. */
export const APPROVALS = ['none', 'before', 'after'] as const;
export type Approval = (typeof APPROVALS)[number];

const StageNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9]([-A-Za-z0-9_.%]{0,38}[A-Za-z0-9%])?$/, 'must be 1-40 letters, digits, "-", "_", "." or "%", starting with a letter or digit');

/** Gate and budget settings shared by explicit stages and generated ones. */
const stageSettings = {
  maxConcurrency: ConcurrencySchema.prefault(1),
  soak: DurationSchema.prefault('0s'),
  maxFailures: FailureBudgetSchema.prefault(0),
  approval: z.enum(APPROVALS, { error: `must be one of: ${APPROVALS.join(', ')}` }).default('none'),
  progressDeadline: DurationSchema.optional(),
};

/** One explicit stage; without a selector it takes every cluster no earlier stage took. */
export const StageSchema = z.object({ name: StageNameSchema, selector: FleetSelectorSchema.optional(), ...stageSettings }).strict();

/** "Canary 1 cluster, then 10%, 50%, 100%": steps are cumulative shares of the selection. */
export const GenerateSchema = z
  .object({
    canary: z.number().int('must be a whole number').min(0, 'must be 0 or more').default(1),
    steps: z.array(z.string().regex(/^(\d{1,3})%$/, 'must be a percentage such as "10%"')).min(1, 'must name at least one step').default(['10%', '50%', '100%']),
    /** Gate of the canary stage; the others take `approval`. Default: approve after the canary. */
    canaryApproval: z.enum(APPROVALS).default('after'),
    ...stageSettings,
  })
  .strict()
  .superRefine((g, ctx) => {
    const ps = g.steps.map((s) => Number(s.slice(0, -1)));
    ps.forEach((p, i) => {
      if (p < 1 || p > 100) ctx.addIssue({ code: 'custom', path: ['steps', i], message: 'must be from 1% to 100%' });
      else if (i > 0 && p <= ps[i - 1]!) ctx.addIssue({ code: 'custom', path: ['steps', i], message: 'steps must increase' });
    });
    if (ps[ps.length - 1] !== 100) ctx.addIssue({ code: 'custom', path: ['steps'], message: 'the last step must be 100%, so that every cluster is in a stage' });
  });

/** Orders of clusters inside a stage. */
export const ORDERINGS = ['name', 'environment'] as const;

/** A rollout plan: explicit `stages`, or `generate` for canary-then-percentages. Exactly one. */
export const RolloutPlanSchema = z
  .object({
    stages: z
      .array(StageSchema)
      .min(1, 'must have at least one stage')
      .superRefine((stages, ctx) => {
        const seen = new Set<string>();
        stages.forEach((s, i) => {
          if (seen.has(s.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `stage name ${s.name} is used twice` });
          seen.add(s.name);
        });
      })
      .optional(),
    generate: GenerateSchema.optional(),
    /** Order inside each stage: by name, or by environment rank (dev, staging, prod) then name. */
    orderBy: z.enum(ORDERINGS).default('name'),
  })
  .strict()
  // Runs even when fields have problems of their own, so that every problem is listed at once.
  .refine((p) => (p?.stages === undefined) !== (p?.generate === undefined), {
    message: 'must have either stages or generate, not both or neither',
    when: () => true,
  });
export type RolloutPlan = z.output<typeof RolloutPlanSchema>;
export type RolloutPlanInput = z.input<typeof RolloutPlanSchema>;

// ---------------------------------------------------------------------------------------------
// Ordering.

/** Environment ranks for ordering: earlier groups go first; unknown environments go last, with prod. */
export const DEFAULT_ENVIRONMENT_ORDER: readonly (readonly string[])[] = [
  ['dev', 'development', 'test', 'qa', 'sandbox'],
  ['staging', 'stage', 'preprod', 'uat'],
  ['prod', 'production'],
];

/** The rank of an environment in `order`; unknown ones rank with the last group (the most careful). */
export function environmentRank(environment: string, order: readonly (readonly string[])[] = DEFAULT_ENVIRONMENT_ORDER): number {
  const i = order.findIndex((group) => group.includes(environment));
  return i >= 0 ? i : Math.max(order.length - 1, 0);
}

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Clusters in a deterministic order: by name, or by environment rank then name. */
export function orderClusters(
  clusters: readonly ClusterSummary[],
  orderBy: (typeof ORDERINGS)[number],
  environmentOrder: readonly (readonly string[])[] = DEFAULT_ENVIRONMENT_ORDER,
): ClusterSummary[] {
  return [...clusters].sort(
    (a, b) =>
      (orderBy === 'environment' ? environmentRank(a.environment, environmentOrder) - environmentRank(b.environment, environmentOrder) : 0) ||
      byName(a.name, b.name),
  );
}

// ---------------------------------------------------------------------------------------------
// Planning.

/** A stage with its clusters in rollout order and its budgets resolved to counts. */
export interface PlannedStage {
  name: string;
  clusters: string[];
  maxConcurrency: number;
  maxFailures: number;
  soakMs: number;
  approval: Approval;
  progressDeadlineMs?: number;
}

/** The result of planStages. */
export interface StagePlan {
  stages: PlannedStage[];
  /** Selected clusters no explicit stage matched: reported, never dropped. */
  unassigned: string[];
}

/** Options of planStages. */
export interface PlanOptions {
  environmentOrder?: readonly (readonly string[])[];
}

type Settings = {
  maxConcurrency: CountOrPercent;
  maxFailures: CountOrPercent;
  soak: number;
  approval: Approval;
  progressDeadline?: number | undefined;
};

function resolveStage(name: string, clusters: string[], s: Settings, approval: Approval = s.approval): PlannedStage {
  return {
    name,
    clusters,
    maxConcurrency: resolveCount(s.maxConcurrency, clusters.length, 1),
    maxFailures: resolveCount(s.maxFailures, clusters.length),
    soakMs: s.soak,
    approval,
    ...(s.progressDeadline !== undefined ? { progressDeadlineMs: s.progressDeadline } : {}),
  };
}

/**
 * Cuts the selected clusters into stages. Every cluster lands in exactly one stage: with
 * explicit stages a cluster goes to the first stage whose selector matches, and clusters no
 * stage matches are returned in `unassigned`; generated plans cover everything by construction
 * (the canary takes the first `canary` clusters in order, each step tops the running total up
 * to ceil(step% of all), and steps that would add nobody are left out). Deterministic: the
 * same inputs give the same stages in the same order.
 */
export function planStages(plan: RolloutPlan, selected: readonly ClusterSummary[], opts: PlanOptions = {}): StagePlan {
  const ordered = orderClusters(selected, plan.orderBy, opts.environmentOrder);
  if (plan.generate) return { stages: generateStages(plan.generate, ordered.map((c) => c.name)), unassigned: [] };

  const taken = new Set<string>();
  const stages = (plan.stages ?? []).map((stage) => {
    const names = ordered.filter((c) => !taken.has(c.name) && (!stage.selector || matchesSelector(stage.selector as FleetSelector, c))).map((c) => c.name);
    names.forEach((n) => taken.add(n));
    return resolveStage(stage.name, names, stage);
  });
  return { stages, unassigned: ordered.filter((c) => !taken.has(c.name)).map((c) => c.name) };
}

function generateStages(g: z.output<typeof GenerateSchema>, names: string[]): PlannedStage[] {
  const stages: PlannedStage[] = [];
  const canary = Math.min(g.canary, names.length);
  if (canary > 0) stages.push(resolveStage('canary', names.slice(0, canary), g, g.canaryApproval));
  let assigned = canary;
  for (const step of g.steps) {
    const upTo = Math.max(assigned, percentOf(Number(step.slice(0, -1)), names.length));
    if (upTo > assigned) stages.push(resolveStage(step, names.slice(assigned, upTo), g));
    assigned = upTo;
  }
  return stages;
}

// ---------------------------------------------------------------------------------------------
// Gates the policy requires.

/**
 * The stages with a gate before every stage that touches a gated environment and has none:
 * a production change waits for a person whatever its plan says (the access policy decides
 * which environments, not the caller). A stage that already has a gate keeps it, before or after.
 */
export function requireGates(stages: readonly PlannedStage[], environmentOf: (cluster: string) => string | undefined, gated: readonly string[]): PlannedStage[] {
  if (!gated.length) return [...stages];
  return stages.map((s) => (s.approval === 'none' && s.clusters.some((c) => gated.includes(environmentOf(c) ?? '')) ? { ...s, approval: 'before' } : s));
}
