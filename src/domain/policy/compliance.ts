import type { ClusterTarget } from '../cluster/target.js';
import type { PolicyMode } from './fleet-policy.js';

/**
 * Compliance of one policy on one cluster, decided from what an evaluation found there and
 * how far the policy's rollout got. Pure, so the verdict rules are table-tested.
 */

export const COMPLIANCE_STATES = ['Compliant', 'NonCompliant', 'Pending', 'Unknown'] as const;
export type ComplianceState = (typeof COMPLIANCE_STATES)[number];

/** What the evaluation activity found for one policy on one cluster (plain data, for history). */
export interface PolicyEvaluation {
  policy: string;
  /** The revision the policy's ApplySet on the cluster records as applied (enforce only). */
  appliedRevision?: string;
  /** "RoleBinding payments/team:payments-devs:view": in the policy, not on the cluster. */
  missing: string[];
  /** "NetworkPolicy payments/deny-all: .spec.policyTypes": fields that differ. */
  drifted: string[];
  /** Objects the cluster still holds for the policy that it no longer contains (enforce). */
  extra: string[];
  /** Why the policy could not be compared (e.g. its kind is not served); the verdict is Unknown. */
  error?: string;
}

/** What the evaluation activity found on one cluster. */
export interface ClusterEvaluation {
  cluster: string;
  /** False when the cluster could not be reached (or its entity reports it Unreachable). */
  reachable: boolean;
  reason?: string;
  policies: PolicyEvaluation[];
  checkedAt: string;
  /**
   * Set (with reachable false) for a cluster reached through its agent: the main worker holds no
   * credential for it, so the workflow evaluates it again with evaluateClusterPolicies, which
   * runs on the agent's queue.
   */
  throughAgent?: ClusterTarget;
}

/** The state of an enforced policy's rollout, as far as the verdict needs it. */
export interface RolloutStand {
  status: 'Running' | 'Succeeded' | 'Failed';
  /** The rollout's workflow id. */
  id: string;
  /** The revision it rolls out. */
  revision: string;
  /** Clusters it was started for. */
  clusters: string[];
  message?: string;
}

/** One cell of the fleet x policy matrix. */
export interface ComplianceCell {
  state: ComplianceState;
  /** Why: the objects and fields that differ, what is missing, what is awaited. At most 10. */
  reasons: string[];
}

/** At most this many reasons are kept per cell: the matrix stays small in history and in the UI. */
export const MAX_REASONS = 10;

/** Everything the verdict of one cell reads. */
export interface VerdictInput {
  cluster: string;
  policy: string;
  mode: PolicyMode;
  /** The revision the policy compiles to now. */
  revision: string;
  /** Undefined when this cluster has not been evaluated yet. */
  evaluation?: ClusterEvaluation;
  /** The policy's latest rollout (enforce only). */
  rollout?: RolloutStand;
}

const differences = (e: PolicyEvaluation) => [
  ...e.missing.map((o) => `${o}: missing`),
  ...e.drifted.map((d) => `${d} differs`),
  ...e.extra.map((o) => `${o}: no longer in the policy`),
];

const cell = (state: ComplianceState, reasons: string[]): ComplianceCell => ({
  state,
  reasons: reasons.length > MAX_REASONS ? [...reasons.slice(0, MAX_REASONS - 1), `and ${reasons.length - MAX_REASONS + 1} more`] : reasons,
});

/**
 * The verdict of one policy on one cluster:
 * - Pending: not evaluated yet;
 * - Unknown: the cluster was not reached, or the policy could not be compared there;
 * - enforce, its revision not (yet) applied there: Pending while a rollout for it runs or is
 *   still to start; NonCompliant once a rollout that included the cluster ended without it;
 * - otherwise: NonCompliant with every difference (missing objects, differing fields, objects
 *   left over), or Compliant when there is none. An enforced policy that drifted is
 *   NonCompliant until the cluster's entity takes the drift back.
 */
export function complianceVerdict(v: VerdictInput): ComplianceCell {
  const e = v.evaluation;
  if (!e) return cell('Pending', ['not evaluated yet']);
  if (!e.reachable) return cell('Unknown', [e.reason ?? 'the cluster could not be reached']);
  const found = e.policies.find((x) => x.policy === v.policy);
  if (!found) return cell('Pending', ['not evaluated yet']);
  if (found.error) return cell('Unknown', [found.error]);
  if (v.mode === 'enforce' && found.appliedRevision !== v.revision) {
    const r = v.rollout;
    const mine = r && r.revision === v.revision && r.clusters.includes(v.cluster);
    if (!mine) return cell('Pending', [`waiting for a rollout of revision ${v.revision}`]);
    if (r.status === 'Running') return cell('Pending', [`rollout ${r.id} is applying revision ${v.revision}`]);
    return cell('NonCompliant', [`revision ${v.revision} is not applied: rollout ${r.id} ${r.status === 'Failed' ? 'failed' : 'ended'}${r.message ? `: ${r.message}` : ''}`, ...differences(found)]);
  }
  const diffs = differences(found);
  return diffs.length ? cell('NonCompliant', diffs) : cell('Compliant', []);
}

/** The fleet x policy matrix: cluster -> policy -> cell. */
export type ComplianceMatrix = Record<string, Record<string, ComplianceCell>>;

/** A change of one cell: what is logged and counted (the metric's event point). */
export interface ComplianceChange {
  at: string;
  cluster: string;
  policy: string;
  from: ComplianceState | 'None';
  to: ComplianceState | 'None';
  reasons: string[];
}

/**
 * Every cell whose state changed from `before` to `after`, sorted by cluster then policy; a
 * cluster or policy that appeared or left changes from or to "None". Reasons alone changing is
 * not a change (a drifted field list that grows does not flap the log).
 */
export function complianceChanges(before: ComplianceMatrix, after: ComplianceMatrix, at: string): ComplianceChange[] {
  const out: ComplianceChange[] = [];
  const clusters = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  for (const c of clusters) {
    const policies = [...new Set([...Object.keys(before[c] ?? {}), ...Object.keys(after[c] ?? {})])].sort();
    for (const p of policies) {
      const from = before[c]?.[p]?.state ?? 'None';
      const to = after[c]?.[p];
      if (from !== (to?.state ?? 'None')) out.push({ at, cluster: c, policy: p, from, to: to?.state ?? 'None', reasons: to?.reasons ?? [] });
    }
  }
  return out;
}

/** How many cells are in each state: the one-line summary. */
export function countStates(m: ComplianceMatrix): Record<ComplianceState, number> {
  const counts: Record<ComplianceState, number> = { Compliant: 0, NonCompliant: 0, Pending: 0, Unknown: 0 };
  for (const row of Object.values(m)) for (const c of Object.values(row)) counts[c.state]++;
  return counts;
}

/**
 * The matrix as a Markdown table for the Temporal UI's current details: cluster rows, policy
 * columns, each cell its state and first reason.
 */
export function matrixMarkdown(m: ComplianceMatrix, policies: readonly string[]): string {
  const clusters = Object.keys(m).sort();
  if (!clusters.length) return '(no cluster selected)';
  const esc = (s: string) => s.replaceAll('|', '\\|').replaceAll('\n', ' ');
  const head = `| cluster | ${policies.join(' | ')} |\n|---|${policies.map(() => '---').join('|')}|`;
  const rows = clusters.map((c) => `| ${c} | ${policies.map((p) => {
    const x = m[c]?.[p];
    return x ? esc(`**${x.state}**${x.reasons[0] ? ` ${x.reasons[0]}` : ''}`) : '-';
  }).join(' | ')} |`);
  return [head, ...rows].join('\n');
}
