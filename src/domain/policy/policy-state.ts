import { z } from 'zod';
import { DEFAULT_POLICY_ROLLOUT, FleetPolicySchema, type FleetPolicy, type FleetPolicyInput } from './fleet-policy.js';
import type { CompiledPolicy } from './compile.js';
import {
  complianceVerdict,
  countStates,
  type ClusterEvaluation,
  type ComplianceChange,
  type ComplianceMatrix,
  type ComplianceState,
  type RolloutStand,
} from './compliance.js';

/**
 * What the fleetPolicy workflow keeps (and carries across continue-as-new), and the pure
 * rules over it: which rollout to start next, the matrix after an evaluation, which clusters'
 * entities to ask for a drift check now.
 */

/** Workflow id of the FleetPolicy `name`: one long-running workflow per FleetPolicy. */
export const policyWorkflowId = (name: string) => `policy/${name}`;

/** The workflow's input: the FleetPolicy as written (its file, parsed from YAML). */
export const FleetPolicyWorkflowInputSchema = z.object({ policy: FleetPolicySchema }).strict();
export interface FleetPolicyWorkflowInput {
  policy: FleetPolicyInput;
}

/**
 * What a run carries over by continue-as-new: its shape is checked (a state typed into the UI
 * by hand must fail at once), its values are not re-judged.
 */
export const CarriedPolicyStateSchema = z.looseObject({
  spec: z.looseObject({ name: z.string() }),
  generation: z.number().int(),
  rollouts: z.record(z.string(), z.looseObject({ id: z.string(), revision: z.string(), clusters: z.array(z.string()) })),
  rolloutCount: z.number().int(),
  clusters: z.array(z.string()),
  matrix: z.record(z.string(), z.record(z.string(), z.looseObject({ state: z.string(), reasons: z.array(z.string()) }))),
  changes: z.array(z.looseObject({})),
  evaluationsRequested: z.number().int(),
  evaluationsDone: z.number().int(),
});

/** A delete request: who, and why (kept in the log line). */
export const DeletePolicySchema = z
  .object({
    by: z.string().trim().min(1, 'must say who is acting').max(200, 'must be at most 200 characters'),
    reason: z.string().max(500, 'must be at most 500 characters').optional(),
  })
  .strict();
export type DeletePolicyInput = z.input<typeof DeletePolicySchema>;

/** The latest rollout of an enforced policy, with the generation of the spec it rolled out. */
export interface PolicyRollout extends RolloutStand {
  generation: number;
}

/** Changes kept in the state, newest first (the log has them all). */
export const CHANGES_KEPT = 50;

export interface FleetPolicyState {
  /** The FleetPolicy as last applied, as written (defaults not filled in). */
  spec: FleetPolicyInput;
  /** Counts applies: each one rolls every enforced policy out again. */
  generation: number;
  rollouts: Record<string, PolicyRollout>;
  /** Rollouts started so far (their ids are numbered). */
  rolloutCount: number;
  /** The clusters the selector picked at the last evaluation, sorted. */
  clusters: string[];
  matrix: ComplianceMatrix;
  /** Newest first, at most CHANGES_KEPT. */
  changes: ComplianceChange[];
  evaluatedAt?: string;
  /** Evaluations asked for (evaluate update) and the last one completed: an update waits for its own. */
  evaluationsRequested: number;
  evaluationsDone: number;
  deleting?: { by: string; reason?: string; at: string };
}

export function newPolicyState(spec: FleetPolicyInput): FleetPolicyState {
  return { spec, generation: 1, rollouts: {}, rolloutCount: 0, clusters: [], matrix: {}, changes: [], evaluationsRequested: 0, evaluationsDone: 0 };
}

/** The spec parsed (defaults filled in); it was validated when it was accepted. */
export function parsedSpec(s: Pick<FleetPolicyState, 'spec'>): FleetPolicy {
  return FleetPolicySchema.parse(s.spec);
}

/** The rollout plan as written (fleetRollout parses it itself). */
export function rolloutPlanInput(spec: FleetPolicyInput): unknown {
  return spec.rollout ?? DEFAULT_POLICY_ROLLOUT;
}

/** A rollout to start: which policy, on which clusters. */
export interface RolloutToStart {
  policy: string;
  clusters: string[];
}

/**
 * The next enforced policy to roll out, in the file's order, or undefined: a policy whose
 * revision or generation has no rollout yet goes to every selected cluster; otherwise clusters
 * the selector picks now that its latest rollout did not include (newcomers to the fleet) get
 * it. A rollout that failed is not retried by itself (no loop over a broken policy): applying
 * the policy again (a new generation) retries it.
 */
export function nextRollout(s: FleetPolicyState, compiled: readonly CompiledPolicy[], selected: readonly string[]): RolloutToStart | undefined {
  if (!selected.length) return undefined;
  for (const c of compiled) {
    if (c.mode !== 'enforce') continue;
    const r = s.rollouts[c.policy];
    if (r?.status === 'Running') continue;
    if (!r || r.revision !== c.bundle.revision || r.generation < s.generation) return { policy: c.policy, clusters: [...selected] };
    const newcomers = selected.filter((n) => !r.clusters.includes(n));
    if (newcomers.length) return { policy: c.policy, clusters: newcomers };
  }
  return undefined;
}

/**
 * The rollout record once `start` began as `id`: a rollout for newcomers keeps the clusters
 * of the one before it at the same revision and generation (they have the policy already).
 */
export function withRolloutStarted(s: FleetPolicyState, compiled: CompiledPolicy, start: RolloutToStart, id: string): FleetPolicyState {
  const before = s.rollouts[start.policy];
  const same = before && before.revision === compiled.bundle.revision && before.generation === s.generation;
  const clusters = [...new Set([...(same ? before.clusters : []), ...start.clusters])].sort();
  return {
    ...s,
    rolloutCount: s.rolloutCount + 1,
    rollouts: { ...s.rollouts, [start.policy]: { id, status: 'Running', revision: compiled.bundle.revision, clusters, generation: s.generation } },
  };
}

/** The rollout record once rollout `id` ended (a stale id changes nothing). */
export function withRolloutEnded(s: FleetPolicyState, policy: string, id: string, status: 'Succeeded' | 'Failed', message: string): FleetPolicyState {
  const r = s.rollouts[policy];
  if (!r || r.id !== id) return s;
  return { ...s, rollouts: { ...s.rollouts, [policy]: { ...r, status, message: message.slice(0, 500) } } };
}

/**
 * Policies that were rolled out as enforced and are no longer (removed from the file, or turned
 * to inform): they are to be removed from the clusters. Sorted.
 */
export function retiredPolicies(s: FleetPolicyState, compiled: readonly CompiledPolicy[]): string[] {
  const enforced = new Set(compiled.filter((c) => c.mode === 'enforce').map((c) => c.policy));
  return Object.keys(s.rollouts).filter((p) => !enforced.has(p)).sort();
}

/** The state without the rollout records of `policies` (once they were removed). */
export function withoutRollouts(s: FleetPolicyState, policies: readonly string[]): FleetPolicyState {
  return { ...s, rollouts: Object.fromEntries(Object.entries(s.rollouts).filter(([p]) => !policies.includes(p))) };
}

/** The matrix for the selected clusters from their evaluations. */
export function matrixOf(s: FleetPolicyState, compiled: readonly CompiledPolicy[], clusters: readonly string[], evaluations: readonly ClusterEvaluation[]): ComplianceMatrix {
  const byCluster = new Map(evaluations.map((e) => [e.cluster, e]));
  const m: ComplianceMatrix = {};
  for (const cluster of clusters) {
    m[cluster] = {};
    for (const c of compiled) {
      const evaluation = byCluster.get(cluster);
      const rollout = c.mode === 'enforce' ? s.rollouts[c.policy] : undefined;
      m[cluster][c.policy] = complianceVerdict({ cluster, policy: c.policy, mode: c.mode, revision: c.bundle.revision, ...(evaluation ? { evaluation } : {}), ...(rollout ? { rollout } : {}) });
    }
  }
  return m;
}

/**
 * Clusters whose entity should check for drift now: an enforced policy is applied there at
 * its revision but the objects differ, and no rollout of it is running (it would hold the
 * cluster). The entity's auto-reconcile takes the drift back; the next evaluation sees it.
 */
export function clustersToRepair(s: FleetPolicyState, compiled: readonly CompiledPolicy[], evaluations: readonly ClusterEvaluation[]): string[] {
  const out = new Set<string>();
  for (const e of evaluations) {
    if (!e.reachable) continue;
    for (const c of compiled) {
      if (c.mode !== 'enforce' || s.rollouts[c.policy]?.status === 'Running') continue;
      const p = e.policies.find((x) => x.policy === c.policy);
      if (p && !p.error && p.appliedRevision === c.bundle.revision && p.missing.length + p.drifted.length + p.extra.length > 0) out.add(e.cluster);
    }
  }
  return [...out].sort();
}

/** The changes list after `changes` (newest first, bounded). */
export function withChanges(s: FleetPolicyState, changes: readonly ComplianceChange[]): ComplianceChange[] {
  return [...[...changes].reverse(), ...s.changes].slice(0, CHANGES_KEPT);
}

/** What `fleetflow policy status` and the getPolicyStatus query show. */
export interface PolicyStatusView {
  name: string;
  generation: number;
  selector: unknown;
  policies: { name: string; mode: 'enforce' | 'inform'; revision: string; bundle: string; rollout?: PolicyRollout }[];
  clusters: string[];
  matrix: ComplianceMatrix;
  counts: Record<ComplianceState, number>;
  changes: ComplianceChange[];
  evaluatedAt?: string;
  deleting?: FleetPolicyState['deleting'];
}

export function statusView(s: FleetPolicyState, compiled: readonly CompiledPolicy[]): PolicyStatusView {
  return {
    name: s.spec.name,
    generation: s.generation,
    selector: s.spec.selector,
    policies: compiled.map((c) => ({ name: c.policy, mode: c.mode, revision: c.bundle.revision, bundle: c.bundle.name, ...(s.rollouts[c.policy] ? { rollout: s.rollouts[c.policy] } : {}) })),
    clusters: s.clusters,
    matrix: s.matrix,
    counts: countStates(s.matrix),
    changes: s.changes,
    ...(s.evaluatedAt ? { evaluatedAt: s.evaluatedAt } : {}),
    ...(s.deleting ? { deleting: s.deleting } : {}),
  };
}
