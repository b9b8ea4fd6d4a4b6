import type { z } from 'zod';
import { formatDuration } from '../time/durations.js';
import type { FleetDecommissionInputSchema, FleetDecommissionPlan } from './fleet-decommission.js';
import type { ClusterSummary, ExcludedCluster } from '../selection/fleet-selector.js';
import { busyLines, type BusyCluster } from '../staged/busy.js';
import { operatorView } from '../staged/operator-view.js';
import { describeDecision, gateId, stageLine, type Decision, type StageProgress } from '../staged/engine.js';
import { gatesOf, newStagedState, type AuditEntry, type FinalOutcome, type RunCounts, type StagedState } from '../staged/operator.js';

/**
 * The state, progress query and UI text of a fleet decommission (workflows/fleet-decommission.ts),
 * pure so the workflow, the CLI and tests share them. A fleet decommission is one stage
 * ("decommission") over the selected clusters, gated by "decommission:before" when a
 * production cluster is among them; refused and excluded clusters are carried beside the runs
 * so that every cluster the selector matched is accounted for until the end.
 */

/** The fleetDecommission input as a caller writes it (durations as text, defaults omitted). */
export type FleetDecommissionRequest = z.input<typeof FleetDecommissionInputSchema>;

/** The one stage of a fleet decommission. */
export const DECOMMISSION_STAGE = 'decommission';
/** The approval gate a fleet decommission with production clusters waits at. */
export const DECOMMISSION_GATE = gateId(DECOMMISSION_STAGE, 'before');

/** What a fleet decommission carries across continue-as-new. */
export interface FleetDecommissionState extends StagedState {
  /** Environment of each selected cluster, for the progress query. */
  environments: Record<string, string>;
  refused: FleetDecommissionPlan['refused'];
  excluded: ExcludedCluster[];
  approvalRequired: boolean;
  approvalReasons: string[];
  approvalTimeoutMs: number;
  reason: string;
  requestedBy?: string;
  /** ISO time the first run started. */
  startedAt: string;
  generation: number;
}

/** Builds the staged state of a plan: one stage, gated when approval is required. */
export function newDecommissionState(
  plan: FleetDecommissionPlan,
  inventory: readonly ClusterSummary[],
  opts: { maxConcurrency: number; maxFailures: number; approvalTimeoutMs: number; reason: string; requestedBy?: string | undefined },
  startedAt: string,
): FleetDecommissionState {
  const env = new Map(inventory.map((c) => [c.name, c.environment] as const));
  const stage = {
    name: DECOMMISSION_STAGE,
    clusters: [...plan.selected],
    maxConcurrency: opts.maxConcurrency,
    maxFailures: opts.maxFailures,
    soakMs: 0,
    approval: plan.approvalRequired ? ('before' as const) : ('none' as const),
  };
  return {
    ...newStagedState([stage]),
    environments: Object.fromEntries(plan.selected.map((n) => [n, env.get(n) ?? ''])),
    refused: plan.refused,
    excluded: plan.excluded,
    approvalRequired: plan.approvalRequired,
    approvalReasons: plan.approvalReasons,
    approvalTimeoutMs: opts.approvalTimeoutMs,
    reason: opts.reason,
    ...(opts.requestedBy ? { requestedBy: opts.requestedBy } : {}),
    startedAt,
    generation: 0,
  };
}

/** One selected cluster in the progress query. */
export interface DecommissionClusterProgress {
  name: string;
  environment: string;
  status: string;
  attempts: number;
  message?: string;
  startedAt?: string;
  endedAt?: string;
}

/** The answer of getDecommissionProgress: the gate and why, per cluster, refused and excluded ones, who did what. */
export interface DecommissionProgress {
  outcome: 'InProgress' | 'Succeeded' | 'Failed' | 'Aborted';
  /** One sentence: where the decommission stands. */
  summary: string;
  reason: string;
  requestedBy?: string;
  waitingFor?: string;
  /** The gate awaiting approval now. */
  gate?: string;
  /** The gate not yet approved, if any. */
  nextGate?: string;
  approvalRequired: boolean;
  /** Why approval is needed: one sentence per production cluster. */
  approvalReasons: string[];
  /** While waiting at the gate: when the workflow fails unless someone approves. */
  approvalDeadline?: string;
  paused: boolean;
  aborted: boolean;
  approvals: string[];
  counts: RunCounts;
  stages: StageProgress[];
  clusters: DecommissionClusterProgress[];
  /** Clusters refused because another operation held them, waiting to be tried again, with why. */
  busy: BusyCluster[];
  /** Protected clusters the selector matched: never decommissioned by a fleet decommission. */
  refused: FleetDecommissionPlan['refused'];
  /** Matched clusters left out (busy, deleted, listed in exclude ...), each with its reason. */
  excluded: ExcludedCluster[];
  audit: AuditEntry[];
  startedAt: string;
  generation: number;
  final?: FinalOutcome;
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/** The progress of a fleet decommission at `now`, from its state and the engine's decision. */
export function decommissionProgress(s: FleetDecommissionState, d: Decision, now: number, perCluster = true): DecommissionProgress {
  let summary = s.final?.message ?? describeDecision(d, now);
  if (!s.final && d.waitingFor === 'approval') summary = `waiting for approval of ${d.gate}: ${s.approvalReasons.join('; ')}`;
  else if (!s.final && d.outcome === 'Failed') summary = `${summary}; waiting for the operator to retry the failed clusters, skip them, or abort`;
  const clusters = !perCluster ? [] : s.stages.flatMap((st) =>
    st.clusters.map((name): DecommissionClusterProgress => {
      const run = s.runs[name] ?? { status: 'Pending', attempts: 0 };
      return {
        name,
        environment: s.environments[name] ?? '',
        status: run.status,
        attempts: run.attempts,
        ...(run.message ? { message: run.message } : {}),
        ...(run.startedAt !== undefined ? { startedAt: iso(run.startedAt)! } : {}),
        ...(run.endedAt !== undefined ? { endedAt: iso(run.endedAt)! } : {}),
      };
    }),
  );
  const nextGate = gatesOf(s.stages).find((g) => !s.operator.approvals.includes(g));
  const gateWait = !s.final && d.waitingFor === 'approval' && s.waiting?.on === `gate:${d.gate}` ? s.waiting.since + s.approvalTimeoutMs : undefined;
  return {
    outcome: s.final?.outcome ?? (d.outcome === 'Succeeded' || d.outcome === 'Aborted' ? d.outcome : 'InProgress'),
    summary,
    reason: s.reason,
    ...(s.requestedBy ? { requestedBy: s.requestedBy } : {}),
    ...(s.final ? {} : d.waitingFor ? { waitingFor: d.waitingFor } : d.outcome === 'Failed' ? { waitingFor: 'operator' } : {}),
    ...(d.gate ? { gate: d.gate } : {}),
    ...(nextGate ? { nextGate } : {}),
    approvalRequired: s.approvalRequired,
    approvalReasons: s.approvalReasons,
    ...(gateWait !== undefined ? { approvalDeadline: iso(gateWait)! } : {}),
    stages: d.stages,
    clusters,
    refused: s.refused,
    excluded: s.excluded,
    ...operatorView(s),
  };
}

/** Current details for the Temporal UI (markdown): stage, counts, the gate and why, what was left out. */
export function decommissionDetails(p: DecommissionProgress, now: number): string {
  const c = p.counts;
  const state = p.outcome === 'InProgress' ? (p.paused ? 'Paused' : 'Running') : p.outcome;
  const lines = [
    `**${state}**: ${p.summary}`,
    '',
    `${c.Succeeded} decommissioned, ${c.Failed} failed, ${c.Running} running, ${c.Pending + c.WaitingBusy} waiting, ${c.Skipped} skipped (of ${c.total})`,
    ...p.stages.map((s) => `- ${stageLine(s)}`),
    ...busyLines(p.busy),
  ];
  if (p.nextGate) {
    lines.push('', `next gate: ${p.nextGate}${p.approvalReasons.length ? ` (${p.approvalReasons.join('; ')})` : ''}`);
    if (p.approvalDeadline) lines.push(`approve within ${formatDuration(Date.parse(p.approvalDeadline) - now)} (by ${p.approvalDeadline}) or the decommission fails, changing nothing`);
  }
  if (p.refused.length) lines.push(`refused (protected): ${p.refused.map((r) => r.name).join(', ')}`);
  if (p.excluded.length) lines.push(`left out: ${p.excluded.map((e) => `${e.name} (${e.reason})`).join(', ')}`);
  return lines.join('\n');
}

/** The one-line lists the workflow's result carries: what was done, failed and skipped. */
export function decommissionOutcome(s: Pick<FleetDecommissionState, 'runs'>): { decommissioned: string[]; failed: { name: string; message: string }[]; skipped: { name: string; message: string }[] } {
  const names = Object.keys(s.runs).sort();
  const withMessage = (status: string) => names.filter((n) => s.runs[n]!.status === status).map((name) => ({ name, message: s.runs[name]!.message ?? '' }));
  return {
    decommissioned: names.filter((n) => s.runs[n]!.status === 'Succeeded'),
    failed: withMessage('Failed'),
    skipped: withMessage('Skipped'),
  };
}
