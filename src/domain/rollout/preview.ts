import { formatDuration } from '../time/durations.js';
import { selectClusters, type ClusterSummary, type ExcludedCluster, type FleetSelector } from '../selection/fleet-selector.js';
import { planStages, type PlanOptions, type PlannedStage, type RolloutPlan } from '../staged/plan.js';
import type { UpgradeWave } from '../upgrade/plan.js';

/** Which clusters, in which stage, in which order; and which are left out and why. */
export interface RolloutPreview {
  stages: PlannedStage[];
  excluded: ExcludedCluster[];
  unassigned: string[];
}

/**
 * The dry run of a rollout: the same placement and planning the workflow runs, changing
 * nothing. The CLI's --dry-run and the workflow's preview query both answer with it.
 */
export function previewRollout(selector: FleetSelector, plan: RolloutPlan, inventory: readonly ClusterSummary[], opts: PlanOptions = {}): RolloutPreview {
  const { selected, excluded } = selectClusters(selector, inventory);
  const { stages, unassigned } = planStages(plan, selected, opts);
  return { stages, excluded, unassigned };
}

function stageHeader(s: PlannedStage, index: number): string {
  const gates = [
    `at most ${s.maxConcurrency} at once`,
    `${s.maxFailures} failure${s.maxFailures === 1 ? '' : 's'} allowed`,
    s.soakMs > 0 && `soak ${formatDuration(s.soakMs)}`,
    s.approval !== 'none' && `approval ${s.approval}`,
    s.progressDeadlineMs !== undefined && `deadline ${formatDuration(s.progressDeadlineMs)}`,
  ].filter(Boolean);
  return `stage ${index + 1} ${s.name} (${s.clusters.length} cluster${s.clusters.length === 1 ? '' : 's'}; ${gates.join(', ')})`;
}

/** The preview as lines of text, e.g. for `fleetflow rollout --dry-run`. */
export function formatPreview(p: RolloutPreview): string[] {
  const lines: string[] = [];
  p.stages.forEach((s, i) => {
    lines.push(stageHeader(s, i));
    s.clusters.forEach((name, j) => lines.push(`  ${j + 1}. ${name}`));
  });
  if (p.unassigned.length) lines.push(`not in any stage: ${p.unassigned.join(', ')}`);
  for (const e of p.excluded) lines.push(`left out: ${e.name}: ${e.reason}: ${e.message}`);
  return lines;
}

/** An upgrade wave as lines of text: stages with from -> to, then everything left out. */
export function formatWave(w: UpgradeWave): string[] {
  const lines: string[] = [];
  w.stages.forEach((s, i) => {
    lines.push(stageHeader(s, i));
    s.clusters.forEach((name, j) => {
      const u = w.upgrades[name]!;
      lines.push(`  ${j + 1}. ${name} ${u.from} -> ${u.to}${u.maintenance?.windows.length ? ' (in its maintenance window)' : ''}`);
    });
  });
  for (const u of w.upToDate) lines.push(`up to date: ${u.name} (${u.version})`);
  for (const r of w.refused) lines.push(`refused: ${r.name} -> ${r.target}: ${r.refusals.map((x) => x.message).join('; ')}`);
  for (const u of w.unassigned) lines.push(`not in any stage: ${u.name} (environment ${u.environment})`);
  for (const e of w.excluded) lines.push(`left out: ${e.name}: ${e.reason}: ${e.message}`);
  return lines;
}
