import { z } from 'zod';
import { DurationSchema, formatDuration } from '../time/durations.js';
import { busyLines, type BusyCluster } from '../staged/busy.js';
import { operatorView } from '../staged/operator-view.js';
import { describeDecision, stageLine, type Decision, type StageProgress } from '../staged/engine.js';
import { admissionOf, maintenanceVerdict } from '../time/maintenance-verdict.js';
import { gatesOf, haltOf, type Admission, type AuditEntry, type FinalOutcome, type RunCounts, type StagedState } from '../staged/operator.js';
import { ChangeLinkFields } from '../staged/change-link.js';
import { UpgradeWavePlanSchema, type ClusterUpgrade, type UpgradeWave } from './plan.js';

/**
 * The upgradeWave input: the plan (targets, sequence, soak, budgets, approval, default
 * maintenance) plus how the wave treats people and history.
 */
export const UpgradeWaveInputSchema = UpgradeWavePlanSchema.extend({
  /** How long a gate, or a wave halted by failures, waits for the operator before the wave fails. */
  approvalTimeout: DurationSchema.prefault('7d'),
  requestedBy: z.string().max(200, 'must be at most 200 characters').optional(),
  /** Passed to each upgradeCluster: skip the removed-API scan. */
  skipApiScan: z.boolean().default(false),
  /** The wave continues as new once its history passes this many events (and no cluster is running). */
  maxHistoryEvents: z.number().int('must be a whole number').min(300, 'must be at least 300').max(40_000, 'must be at most 40000').default(5_000),
  ...ChangeLinkFields,
});
export type UpgradeWaveInput = z.input<typeof UpgradeWaveInputSchema>;
export type UpgradeWaveOptions = z.output<typeof UpgradeWaveInputSchema>;

/** Clusters the plan selected but will not upgrade, each with its reason. */
export type LeftOut = Pick<UpgradeWave, 'upToDate' | 'refused' | 'excluded' | 'unassigned'>;

/** What an upgrade wave carries across continue-as-new. */
export interface WaveState extends StagedState {
  upgrades: Record<string, ClusterUpgrade>;
  leftOut: LeftOut;
  /** ISO time the wave's first run started. */
  startedAt: string;
  /** How many times the wave has continued as new. */
  generation: number;
}

/** What waveProgress reads: a wave's state, or another staged state shown as one (a rollout: "-> revision" per cluster). */
export type WaveView = Omit<WaveState, 'upgrades'> & { upgrades: Record<string, Pick<ClusterUpgrade, 'environment' | 'from' | 'to'>> };

/** One cluster in the progress query. */
export interface WaveClusterProgress {
  name: string;
  stage: string;
  environment: string;
  from: string;
  to: string;
  status: string;
  attempts: number;
  message?: string;
  startedAt?: string;
  endedAt?: string;
  /** WaitingWindow: when its maintenance window opens; WaitingBusy: when it is tried again. */
  wakeAt?: string;
}

/** The answer of getWaveProgress: per stage, per cluster, what the wave waits for, who did what. */
export interface WaveProgress {
  outcome: 'InProgress' | 'Succeeded' | 'Failed' | 'Aborted';
  /** One sentence: where the wave stands. */
  summary: string;
  stage?: string;
  waitingFor?: string;
  /** The gate awaiting approval now. */
  gate?: string;
  /** The next gate not yet approved, for the UI. */
  nextGate?: string;
  wakeAt?: string;
  breach?: { stage: string; failed: number; budget: number };
  halt?: { cluster: string; message: string };
  paused: boolean;
  aborted: boolean;
  approvals: string[];
  counts: RunCounts;
  stages: StageProgress[];
  clusters: WaveClusterProgress[];
  /** Clusters refused because another operation held them, waiting to be tried again, with why. */
  busy: BusyCluster[];
  leftOut: LeftOut;
  audit: AuditEntry[];
  startedAt: string;
  generation: number;
  final?: FinalOutcome;
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
const OPERATOR_CHOICES = 'retry the failed clusters, skip them, or abort';

/** The progress of a wave at `now`, from its state and the engine's decision. Pure. */
/** Progress of a wave; `perCluster: false` leaves out the per-cluster list (the current details need only counts). */
export function waveProgress(s: WaveView, d: Decision, now: number, perCluster = true): WaveProgress {
  const halt = haltOf(s);
  const stageOf = new Map(s.stages.flatMap((st) => st.clusters.map((c) => [c, st.name] as const)));
  let summary = describeDecision(d, now);
  if (halt) summary = `halted: ${halt.cluster} failed after its control plane was upgraded; waiting for the operator to ${OPERATOR_CHOICES}`;
  else if (d.outcome === 'Failed') summary = `${summary}; waiting for the operator to ${OPERATOR_CHOICES}`;
  if (s.final) summary = s.final.message;
  const clusters = !perCluster ? [] : s.stages.flatMap((st) =>
    st.clusters.map((name): WaveClusterProgress => {
      const run = s.runs[name] ?? { status: 'Pending', attempts: 0 };
      const u = s.upgrades[name];
      return {
        name,
        stage: stageOf.get(name) ?? st.name,
        environment: u?.environment ?? '',
        from: u?.from ?? '',
        to: u?.to ?? '',
        status: run.status,
        attempts: run.attempts,
        ...(run.message ? { message: run.message } : {}),
        ...(run.startedAt !== undefined ? { startedAt: iso(run.startedAt)! } : {}),
        ...(run.endedAt !== undefined ? { endedAt: iso(run.endedAt)! } : {}),
        ...((run.status === 'WaitingWindow' || run.status === 'WaitingBusy') && run.wakeAt !== undefined ? { wakeAt: iso(run.wakeAt)! } : {}),
      };
    }),
  );
  const nextGate = gatesOf(s.stages).find((g) => !s.operator.approvals.includes(g));
  const outcome = s.final?.outcome ?? (d.outcome === 'Succeeded' || d.outcome === 'Aborted' ? d.outcome : 'InProgress');
  return {
    outcome,
    summary,
    ...(d.stage ? { stage: d.stage } : {}),
    ...(s.final ? {} : d.waitingFor ? { waitingFor: d.waitingFor } : halt || d.outcome === 'Failed' ? { waitingFor: 'operator' } : {}),
    ...(d.gate ? { gate: d.gate } : {}),
    ...(nextGate ? { nextGate } : {}),
    ...(d.wakeAt !== undefined ? { wakeAt: iso(d.wakeAt)! } : {}),
    ...(d.breach ? { breach: d.breach } : {}),
    ...(halt ? { halt } : {}),
    stages: d.stages,
    clusters,
    leftOut: s.leftOut,
    ...operatorView(s),
  };
}

/** The wave's current details for the Temporal UI (markdown): where it stands, counts, stages, next gate. */
export function waveDetails(p: WaveProgress, now: number): string {
  const c = p.counts;
  const lines = [
    `**${p.outcome === 'InProgress' ? (p.paused ? 'Paused' : 'Running') : p.outcome}**: ${p.summary}`,
    '',
    `${c.Succeeded} done, ${c.Failed} failed, ${c.Running} running, ${c.WaitingWindow} waiting for a window, ${c.WaitingBusy ? `${c.WaitingBusy} waiting for a busy cluster, ` : ''}${c.Pending} pending, ${c.Skipped} skipped (of ${c.total})`,
    ...p.stages.map((s) => `- ${stageLine(s)}`),
    ...busyLines(p.busy),
  ];
  if (p.nextGate) lines.push('', `next gate: ${p.nextGate}`);
  if (p.wakeAt) lines.push(`next look: ${p.wakeAt} (${formatDuration(Date.parse(p.wakeAt) - now)} from now)`);
  const leftOut = p.leftOut.refused.length + p.leftOut.excluded.length + p.leftOut.unassigned.length;
  if (leftOut) lines.push(`left out: ${leftOut} (see the getWaveProgress query)`);
  return lines.join('\n');
}

/**
 * Whether a cluster may start its upgrade at `now`: at once without a maintenance policy or
 * inside an open window; otherwise it waits (durably) until the next opening, and a cluster
 * whose window does not open within the search horizon is skipped, with the reason.
 */
export function admitUpgrade(u: Pick<ClusterUpgrade, 'maintenance'> | undefined, now: number): Admission {
  return admissionOf(maintenanceVerdict({ policy: u?.maintenance, now }), 'not upgraded');
}
