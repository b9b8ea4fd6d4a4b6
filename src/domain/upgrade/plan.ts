import { z } from 'zod';
import { KubernetesVersionSchema } from '../cluster/spec.js';
import { DurationSchema } from '../time/durations.js';
import { FleetSelectorSchema, selectClusters, type ClusterSummary, type ExcludedCluster } from '../selection/fleet-selector.js';
import { MaintenancePolicySchema, type MaintenancePolicy } from '../time/maintenance-window.js';
import { APPROVALS, ConcurrencySchema, FailureBudgetSchema, resolveCount, type PlannedStage } from '../staged/plan.js';
import { checkUpgrade, type NodePoolVersion, type SkewRefusal } from './version-skew.js';

/** One stage of an upgrade wave: the clusters of these environments ("*": any other one). */
export const WaveStageSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$/, 'must be a lowercase name of at most 40 characters'),
    environments: z.array(z.string().min(1, 'must not be empty')).min(1, 'must name at least one environment'),
  })
  .strict();
export type WaveStage = z.output<typeof WaveStageSchema>;

/** Like GKE rollout sequencing: dev, then staging, then prod. */
export const DEFAULT_WAVE_SEQUENCE: readonly WaveStage[] = [
  { name: 'dev', environments: ['dev', 'development', 'test', 'qa', 'sandbox'] },
  { name: 'staging', environments: ['staging', 'stage', 'preprod', 'uat'] },
  { name: 'prod', environments: ['prod', 'production'] },
];

/** Stages in order; names unique and each environment in one stage only. */
const SequenceSchema = z
  .array(WaveStageSchema)
  .min(1, 'must have at least one stage')
  .superRefine((sequence, ctx) => {
    const names = new Set<string>();
    const envs = new Map<string, string>();
    sequence.forEach((stage, i) => {
      if (names.has(stage.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `stage name ${stage.name} is used twice` });
      names.add(stage.name);
      stage.environments.forEach((env, j) => {
        const other = envs.get(env);
        if (other !== undefined) ctx.addIssue({ code: 'custom', path: [i, 'environments', j], message: `environment ${env} is already in stage ${other}` });
        else envs.set(env, stage.name);
      });
    });
  });

/**
 * An upgrade wave: a target version per selector (a cluster takes the first target that
 * selects it), stages by environment in `sequence` order with `soak` between them, budgets as
 * for rollouts, and a default maintenance policy for clusters that have none of their own.
 */
export const UpgradeWavePlanSchema = z
  .object({
    targets: z
      .array(z.object({ selector: FleetSelectorSchema, version: KubernetesVersionSchema }).strict())
      .min(1, 'must name at least one target'),
    sequence: SequenceSchema.default(() => DEFAULT_WAVE_SEQUENCE.map((s) => ({ ...s, environments: [...s.environments] }))),
    soak: DurationSchema.prefault('1h'),
    maxConcurrency: ConcurrencySchema.prefault(1),
    maxFailures: FailureBudgetSchema.prefault(0),
    approval: z.enum(APPROVALS).default('none'),
    progressDeadline: DurationSchema.optional(),
    maintenance: MaintenancePolicySchema.optional(),
  })
  .strict();
export type UpgradeWavePlan = z.output<typeof UpgradeWavePlanSchema>;
export type UpgradeWavePlanInput = z.input<typeof UpgradeWavePlanSchema>;

/** What the wave will do to one cluster. */
export interface ClusterUpgrade {
  name: string;
  environment: string;
  from: string;
  to: string;
  /** The cluster's own policy, else the plan's; undefined: any time. */
  maintenance?: MaintenancePolicy;
}

/** A planned upgrade wave; nothing selected goes unaccounted for. */
export interface UpgradeWave {
  stages: PlannedStage[];
  /** Clusters in the stages, by name. */
  upgrades: Record<string, ClusterUpgrade>;
  /** Selected clusters already at their target: nothing to do. */
  upToDate: { name: string; version: string }[];
  /** Selected clusters the skew rules refuse, with every reason. */
  refused: { name: string; target: string; refusals: SkewRefusal[] }[];
  /** From placement: busy, excluded, deleted, not found... */
  excluded: ExcludedCluster[];
  /** Selected clusters whose environment no stage lists. */
  unassigned: { name: string; environment: string }[];
}

/**
 * Phases a wave upgrades: Degraded too, since an upgrade is often the fix; a Failed cluster (an
 * operation broke off midway) is reported instead, to be repaired first.
 */
export const WAVE_PHASES = ['Active', 'Degraded'] as const;

/** Options of planUpgradeWave. */
export interface WaveOptions {
  /** Node pool versions by cluster, when known, for the skew check. */
  nodePools?: Readonly<Record<string, readonly NodePoolVersion[]>>;
}

/**
 * Plans an upgrade wave over the inventory: placement per target, the preflight skew check
 * per cluster (one minor at a time, node pools never newer than the control plane), then one
 * stage per sequence entry, clusters ordered by name. Nothing is dropped silently: up-to-date,
 * refused, excluded and unassigned clusters are each listed.
 */
export function planUpgradeWave(plan: UpgradeWavePlan, inventory: readonly ClusterSummary[], opts: WaveOptions = {}): UpgradeWave {
  const chosen = new Map<string, { cluster: ClusterSummary; target: string }>();
  const excludedByName = new Map<string, ExcludedCluster>();
  for (const t of plan.targets) {
    const sel = selectClusters(t.selector, inventory.filter((c) => !chosen.has(c.name)), { eligiblePhases: WAVE_PHASES });
    for (const c of sel.selected) chosen.set(c.name, { cluster: c, target: t.version });
    for (const e of sel.excluded) if (!excludedByName.has(e.name)) excludedByName.set(e.name, e);
  }
  // A later target may take a cluster an earlier one excluded; then it is not excluded.
  const excluded = [...excludedByName.values()].filter((e) => !chosen.has(e.name)).sort((a, b) => (a.name < b.name ? -1 : 1));

  const wave: UpgradeWave = { stages: [], upgrades: {}, upToDate: [], refused: [], excluded, unassigned: [] };
  const ready: ClusterUpgrade[] = [];
  for (const name of [...chosen.keys()].sort()) {
    const { cluster, target } = chosen.get(name)!;
    if (!cluster.version) {
      wave.refused.push({ name, target, refusals: [{ code: 'InvalidVersion', message: `${name} has not reported its version` }] });
      continue;
    }
    const check = checkUpgrade({ current: cluster.version, target, nodePools: opts.nodePools?.[name] ?? [] });
    if (!check.ok) wave.refused.push({ name, target, refusals: check.refusals });
    else if (check.noop) wave.upToDate.push({ name, version: cluster.version });
    else {
      const maintenance = cluster.maintenance ?? plan.maintenance;
      ready.push({ name, environment: cluster.environment, from: check.from, to: check.to, ...(maintenance ? { maintenance } : {}) });
    }
  }

  const stageOf = (env: string) =>
    plan.sequence.find((s) => s.environments.includes(env)) ?? plan.sequence.find((s) => s.environments.includes('*'));
  const members = new Map<string, string[]>(plan.sequence.map((s) => [s.name, []]));
  for (const u of ready) {
    const stage = stageOf(u.environment);
    if (!stage) {
      wave.unassigned.push({ name: u.name, environment: u.environment });
      continue;
    }
    members.get(stage.name)!.push(u.name);
    wave.upgrades[u.name] = u;
  }
  wave.stages = plan.sequence.map((s) => {
    const clusters = members.get(s.name)!;
    return {
      name: s.name,
      clusters,
      maxConcurrency: resolveCount(plan.maxConcurrency, clusters.length, 1),
      maxFailures: resolveCount(plan.maxFailures, clusters.length),
      soakMs: plan.soak,
      approval: plan.approval,
      ...(plan.progressDeadline !== undefined ? { progressDeadlineMs: plan.progressDeadline } : {}),
    };
  });
  return wave;
}
