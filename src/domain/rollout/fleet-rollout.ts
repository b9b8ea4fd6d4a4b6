import { z } from 'zod';
import { BundleSchema } from '../bundle/bundle.js';
import { BundleOverrideSchema } from '../bundle/overrides.js';
import type { AppliedBundleRecord } from '../cluster/applied-bundles.js';
import { DurationSchema } from '../time/durations.js';
import { FleetSelectorSchema, type ClusterSummary } from '../selection/fleet-selector.js';
import type { PlacementDecision } from '../placement/decide.js';
import { PlacementSchema } from '../placement/spec.js';
import { admissionOf, MaintenanceOverrideFields, maintenanceVerdict, requireOverrideReason } from '../time/maintenance-verdict.js';
import type { MaintenancePolicy } from '../time/maintenance-window.js';
import type { Decision } from '../staged/engine.js';
import { RolloutPlanSchema } from '../staged/plan.js';
import { ChangeLinkFields } from '../staged/change-link.js';
import type { Admission, AuditEntry, StagedState } from '../staged/operator.js';
import { waveProgress, type LeftOut, type WaveProgress, type WaveView } from '../upgrade/wave.js';

/**
 * Input of fleetRollout: which clusters (a selector, or a placement that chooses them by
 * predicates, scores and count), which bundle, how (plan), and what to do on failure.
 */
export const FleetRolloutInputSchema = z
  .object({
    selector: FleetSelectorSchema.optional(),
    placement: PlacementSchema.optional(),
    plan: RolloutPlanSchema,
    bundle: BundleSchema,
    overrides: z.array(BundleOverrideSchema).max(100, 'must have at most 100 overrides').default([]),
    /** Passed to each cluster: its entity re-applies the revision when it drifts. */
    autoReconcile: z.boolean().default(false),
    /** How long one cluster's workloads may take to become available. */
    rolloutDeadline: DurationSchema.prefault('10m'),
    /** On a failure budget breach: roll back at once (default), or wait for the operator. */
    onBreach: z.enum(['rollback', 'wait']).default('rollback'),
    /** How long a gate (or, with onBreach "wait", a breach) waits for the operator. */
    approvalTimeout: DurationSchema.prefault('7d'),
    requestedBy: z.string().max(200, 'must be at most 200 characters').optional(),
    /** Continue as new past this many history events (and no cluster running). */
    maxHistoryEvents: z.number().int().min(300, 'must be at least 300').max(40_000, 'must be at most 40000').default(5_000),
    ...MaintenanceOverrideFields,
    ...ChangeLinkFields,
  })
  .strict()
  .superRefine(requireOverrideReason)
  .superRefine((r, ctx) => {
    if (!r.selector === !r.placement) ctx.addIssue({ code: 'custom', path: r.selector ? ['placement'] : ['selector'], message: r.selector ? 'give either selector or placement, not both' : 'give either selector or placement' });
  });
export type FleetRolloutInput = z.input<typeof FleetRolloutInputSchema>;
export type FleetRolloutOptions = z.output<typeof FleetRolloutInputSchema>;

/** Abort of a rollout, optionally undoing what it changed. */
export const AbortRolloutSchema = z
  .object({
    by: z.string().trim().min(1, 'must say who is acting').max(200),
    reason: z.string().trim().min(1, 'must say why').max(500),
    rollback: z.boolean().default(false),
  })
  .strict();
export type AbortRolloutInput = z.input<typeof AbortRolloutSchema>;

/** One cluster's rollback: to which revision (none: the bundle was removed), and how it went. */
export interface RollbackRun {
  status: 'Running' | 'Succeeded' | 'Failed';
  to?: string;
  message?: string;
}

/** What fleetRollout carries across continue-as-new. */
export interface RolloutState extends StagedState {
  bundle: { name: string; revision: string };
  /** Per cluster: its environment (for the progress display). */
  environments: Record<string, string>;
  /** Per cluster with a maintenance policy: when it may be changed (absent in states of older runs). */
  maintenance?: Record<string, MaintenancePolicy>;
  /** Per cluster with overrides: which of the input's overrides match it (indexes, in order). */
  overridesOf?: Record<string, number[]>;
  leftOut: LeftOut;
  startedAt: string;
  generation: number;
  /** Set when an abort asked for a rollback. */
  rollbackRequested?: { by: string; reason: string };
  /** Filled once a rollback runs: per changed cluster. */
  rollback?: Record<string, RollbackRun>;
  /** Per cluster an apply of this rollout reached: what it found there (see rollbackPlan). */
  reach?: Record<string, ApplyReach>;
  /** A placed rollout: the placement's decision, every cluster with its reason. */
  placement?: PlacementDecision;
}

/** The progress query of a rollout: the wave's shape, plus the rollback. */
export interface RolloutProgress extends WaveProgress {
  bundle: { name: string; revision: string };
  placement?: PlacementDecision;
  rollback?: Record<string, RollbackRun>;
}

/**
 * How far a rollout's apply got on one cluster, for its rollback: refused at the claim (the
 * cluster was not touched), or claimed, `before` being the bundle's revision it found there
 * (absent: none). applyBundleToCluster returns it with its result and in its failure's details.
 */
export type ApplyReach = { claimed: false } | { claimed: true; before?: string };

/** Whether `v` (e.g. a child failure's first detail) is an ApplyReach. */
export function isApplyReach(v: unknown): v is ApplyReach {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return r.claimed === false || (r.claimed === true && (r.before === undefined || typeof r.before === 'string'));
}

/** A cluster's reach after another attempt: the first claimed attempt saw what the cluster had before this rollout. */
export function mergeReach(prev: ApplyReach | undefined, next: ApplyReach): ApplyReach {
  return prev?.claimed ? prev : next;
}

/** One cluster a rollback undoes, and to what: a revision, null (remove the bundle), or absent (the cluster's record decides). */
export interface RollbackStep {
  cluster: string;
  to?: string | null;
}

/**
 * What a rollback undoes: each cluster this rollout changed goes back to exactly the revision it
 * found there. Left alone: a cluster whose claim was refused (never touched) and one that already
 * had this revision (nothing changed). A cluster settled without a reach (by code older than it,
 * or a child that ended without saying) is undone as before: by the record's previous revision.
 */
export function rollbackPlan(s: Pick<RolloutState, 'runs' | 'reach' | 'bundle'>): RollbackStep[] {
  const unknown = new Set(changedClusters(s));
  return Object.keys(s.runs)
    .sort()
    .flatMap((cluster): RollbackStep[] => {
      const r = s.reach?.[cluster];
      if (!r) return unknown.has(cluster) ? [{ cluster }] : [];
      if (!r.claimed || r.before === s.bundle.revision) return [];
      return [{ cluster, to: r.before ?? null }];
    });
}

/**
 * What a new rollout records about maintenance windows: each selected cluster's policy (its
 * apply waits for its window) and, when the input ignores windows, an audit entry saying who
 * and why.
 */
export function rolloutWindows(
  opts: Pick<FleetRolloutOptions, 'ignoreMaintenanceWindow' | 'reason' | 'requestedBy'>,
  selected: readonly Pick<ClusterSummary, 'name' | 'maintenance'>[],
  at: string,
): Pick<RolloutState, 'maintenance' | 'audit'> {
  const maintenance = Object.fromEntries(selected.flatMap((c) => (c.maintenance ? [[c.name, c.maintenance] as const] : [])));
  const audit: AuditEntry[] = opts.ignoreMaintenanceWindow ? [{ at, action: 'ignoreMaintenanceWindow', by: opts.requestedBy ?? 'unknown', ...(opts.reason ? { reason: opts.reason } : {}) }] : [];
  return { maintenance, audit };
}

/** Whether a cluster's apply may start now: inside its window, or the input ignores windows. */
export function admitRollout(s: Pick<RolloutState, 'maintenance'>, opts: Pick<FleetRolloutOptions, 'ignoreMaintenanceWindow' | 'reason'>, name: string, now: number): Admission {
  return admissionOf(maintenanceVerdict({ policy: s.maintenance?.[name], now, override: opts }), 'not applied');
}

/** Clusters this run changed as seen by their runs alone (a failed one may be half-applied); rollouts before reach was recorded undo these. */
export function changedClusters(s: Pick<StagedState, 'runs'>): string[] {
  return Object.entries(s.runs)
    .filter(([, r]) => r.status === 'Succeeded' || r.status === 'Failed' || (r.status === 'Skipped' && r.attempts > 0))
    .map(([n]) => n)
    .sort();
}

/**
 * The revision a rollback returns a cluster to: the one before `revision` if the cluster
 * recorded it, the one it still records if the apply never got recorded, or none (remove the
 * bundle) when the cluster never had it before.
 */
export function rollbackTarget(record: AppliedBundleRecord | undefined, revision: string): string | undefined {
  if (!record) return undefined;
  if (record.revision !== revision) return record.revision;
  return record.previous[0];
}

/** The progress of a rollout at `now`. Pure. */
export function rolloutProgress(s: RolloutState, d: Decision, now: number, perCluster = true): RolloutProgress {
  // The wave display fits: "from -> to" becomes "-> revision" per cluster.
  const upgrades = !perCluster ? {} : Object.fromEntries(
    Object.keys(s.runs).map((name) => [name, { name, environment: s.environments[name] ?? '', from: '', to: s.bundle.revision }]),
  );
  const wave: WaveView = { ...s, upgrades };
  const p = waveProgress(wave, d, now, perCluster);
  const rolled = s.rollback ? Object.values(s.rollback) : [];
  const summary = s.rollback && !s.final
    ? `rolling back: ${rolled.filter((r) => r.status !== 'Running').length} of ${rolled.length} clusters done`
    : p.summary;
  return { ...p, summary, bundle: s.bundle, ...(s.rollback ? { rollback: s.rollback } : {}), ...(s.placement ? { placement: s.placement } : {}) };
}
