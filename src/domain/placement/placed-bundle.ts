import { z } from 'zod';
import { BundleSchema } from '../bundle/bundle.js';
import { ClusterNameSchema } from '../cluster/spec.js';
import { durationSchema, DurationSchema } from '../time/durations.js';
import type { PlacementCluster } from './cluster.js';
import type { PlacementDecision } from './decide.js';
import { PlacementSchema } from './spec.js';

/**
 * A placement that stays in force (workflow placedBundle, id `placement/<name>`): the bundle is
 * kept on the clusters the placement chooses as the fleet changes. This file holds its input,
 * its state and the pure rules of a move; the workflow only reads the fleet and runs children.
 */

export const PlacedBundleInputSchema = z
  .object({
    /** The placement's name: its workflow id is `placement/<name>`. */
    name: ClusterNameSchema,
    placement: PlacementSchema,
    bundle: BundleSchema,
    /** Passed to each cluster: its entity re-applies the revision when it drifts. */
    autoReconcile: z.boolean().default(false),
    /** How long one cluster's workloads may take to become available. */
    rolloutDeadline: DurationSchema.prefault('10m'),
    /** The fleet is read again this often (and at once on a reevaluate update). */
    reevaluateEvery: durationSchema(24 * 3_600_000, '24h').prefault('1m').refine((ms) => ms >= 5_000, 'must be at least 5s'),
    /** At least this long between two rounds of moves (pacing); 0s: as soon as a decision asks. */
    moveInterval: DurationSchema.prefault('1m'),
    /** Clusters given the bundle at once in one round. */
    maxConcurrentMoves: z.number().int('must be a whole number').min(1, 'must be at least 1').max(50, 'must be at most 50').default(1),
    /** A cluster whose apply failed is not chosen anew for this long. */
    retryFailedAfter: DurationSchema.prefault('10m'),
    requestedBy: z.string().max(200, 'must be at most 200 characters').optional(),
  })
  .strict();
export type PlacedBundleInput = z.input<typeof PlacedBundleInputSchema>;
export type PlacedBundleOptions = z.output<typeof PlacedBundleInputSchema>;

/** Workflow type and id of a placement in force. */
export const PLACED_BUNDLE_TYPE = 'placedBundle';
export const placementId = (name: string) => `placement/${name}`;

/** `fleetflow placement update`: a new revision of the same bundle, rolled to the clusters that have it. */
export const UpdatePlacementSchema = z
  .object({
    bundle: BundleSchema,
    by: z.string().trim().min(1, 'must say who is acting').max(200, 'must be at most 200 characters'),
    reason: z.string().max(500, 'must be at most 500 characters').optional(),
  })
  .strict();
export type UpdatePlacementInput = z.input<typeof UpdatePlacementSchema>;

/** `fleetflow placement reevaluate`: who asks (the round itself needs nothing); no argument at all is fine too. */
export const ReevaluatePlacementSchema = z
  .object({
    by: z.string().trim().min(1, 'must say who is acting').max(200, 'must be at most 200 characters').optional(),
    reason: z.string().max(500, 'must be at most 500 characters').optional(),
  })
  .strict()
  .optional();

/** `fleetflow placement delete`: remove the bundle from the clusters it was placed on, then end. */
export const DeletePlacementSchema = z
  .object({
    by: z.string().trim().min(1, 'must say who is acting').max(200, 'must be at most 200 characters'),
    reason: z.string().max(500, 'must be at most 500 characters').optional(),
  })
  .strict();
export type DeletePlacementInput = z.input<typeof DeletePlacementSchema>;

/** Why an update of the bundle is refused now, or undefined: same name, another revision, nothing else under way. */
export function refuseBundleUpdate(current: { name: string; revision: string }, next: { name: string; revision: string }, busy: { updating?: string; deleting: boolean }): string | undefined {
  if (busy.deleting) return 'the placement is being deleted';
  if (next.name !== current.name) return `bundle.name: ${next.name} is not ${current.name}, the bundle this placement holds (a placement keeps one bundle: delete it and start another)`;
  if (next.revision === current.revision) return `bundle.revision: ${next.revision} is the revision placed already`;
  if (busy.updating) return `an update to ${busy.updating} is being taken in; try again once it is`;
  return undefined;
}

/** One request on a placement, audited: who, when, why, and what it did. */
export interface PlacementAuditEntry {
  at: string;
  action: 'update' | 'delete';
  by: string;
  reason?: string;
  detail: string;
}

/** One move, audited: a cluster given the bundle, one whose revision was updated, one it was removed from, or one forgotten (gone from the fleet). */
export interface PlacementMove {
  at: string;
  cluster: string;
  action: 'add' | 'update' | 'remove' | 'forget';
  /** Busy: the cluster's claim was refused because another operation holds it (tried again, not avoided). */
  outcome: 'Succeeded' | 'Failed' | 'Busy';
  /** Why the move was made (the decision's reason) and how it went. */
  message: string;
}

/** What placedBundle carries across continue-as-new. */
export interface PlacedBundleState {
  /**
   * Clusters that have the bundle (its apply succeeded), since when, and at which revision when
   * an update made that differ from the input's (absent: the input's revision).
   */
  placed: Record<string, { since: string; revision?: string }>;
  decision?: PlacementDecision;
  failingSince: Record<string, string>;
  /** Clusters whose apply failed, when and why: avoided until retryFailedAfter has passed. */
  failed: Record<string, { at: string; message: string }>;
  /** Newest first, bounded. */
  moves: PlacementMove[];
  lastMoveAt?: string;
  lastEvaluatedAt?: string;
  evaluations: number;
  /** Moves started so far: makes each child's id unique. */
  moveCount: number;
  generation: number;
  /** Update and delete requests, newest first, bounded (absent in runs from before updates). */
  audit?: PlacementAuditEntry[];
  /** Set by the delete update: the bundle is being removed and the workflow then ends. */
  deleting?: { by: string; reason?: string; at: string };
}

/** Adds a request to the audit (newest first, bounded). */
export function logAudit(s: PlacedBundleState, entry: PlacementAuditEntry): PlacedBundleState {
  return { ...s, audit: [entry, ...(s.audit ?? [])].slice(0, MOVE_LOG_LIMIT) };
}

/** The revision a placed cluster has. */
export const revisionOn = (s: Pick<PlacedBundleState, 'placed'>, cluster: string, current: string): string => s.placed[cluster]?.revision ?? current;

/**
 * Chosen clusters that have an older revision than `current` (after an update), by name, without
 * those whose last apply failed less than `retryFailedAfter` ago: these get the new revision next.
 */
export function outdatedClusters(s: Pick<PlacedBundleState, 'placed' | 'failed'>, chosen: readonly string[], current: string, avoid: Readonly<Record<string, string>>): string[] {
  return chosen.filter((n) => Object.hasOwn(s.placed, n) && revisionOn(s, n, current) !== current && !Object.hasOwn(avoid, n)).sort();
}

/** The state carried into the run of a new revision: each placed cluster keeps the revision it has. */
export function stampRevisions(s: PlacedBundleState, current: string): PlacedBundleState {
  return { ...s, placed: Object.fromEntries(Object.entries(s.placed).map(([n, p]) => [n, { ...p, revision: p.revision ?? current }])) };
}

/** What placedBundle returns once deleted. */
export interface PlacedBundleResult {
  deleted: true;
  removed: string[];
  forgotten: string[];
  failed: { cluster: string; message: string }[];
}

export const MOVE_LOG_LIMIT = 50;

export function newPlacedBundleState(): PlacedBundleState {
  return { placed: {}, failingSince: {}, failed: {}, moves: [], evaluations: 0, moveCount: 0, generation: 0 };
}

/** Adds a move to the log (newest first, bounded). */
export function logMove(s: PlacedBundleState, move: PlacementMove): PlacedBundleState {
  return { ...s, moves: [move, ...s.moves].slice(0, MOVE_LOG_LIMIT), lastMoveAt: move.at };
}

/** The clusters to avoid now: failed applies younger than `retryFailedAfter`, with why. */
export function avoidNow(s: Pick<PlacedBundleState, 'failed'>, retryFailedAfterMs: number, now: number): Record<string, string> {
  return Object.fromEntries(
    Object.entries(s.failed)
      .filter(([, f]) => Date.parse(f.at) + retryFailedAfterMs > now)
      .map(([name, f]) => [name, `its apply failed at ${f.at} (${f.message}); tried again after ${Math.round(retryFailedAfterMs / 1000)} s`]),
  );
}

/** The moves one round makes: add, remove, or forget (a cluster decommissioned or gone: nothing to remove from). */
export interface MovePlan {
  add: string[];
  remove: string[];
  forget: string[];
  /** Why a removal waits, when one does. */
  holding?: string;
}

/**
 * The moves a decision asks for. New clusters get the bundle first (at most `maxConcurrent` at
 * once); a cluster no longer chosen loses it only once as many chosen clusters have it as the
 * placement wants, so the workload never runs on fewer clusters than requested while it moves.
 * A cluster that has left the fleet (or is being decommissioned) is forgotten at once.
 *
 * @example planMoves(decision, { a: {...} }, fleet, 1) // { add: ['b'], remove: [], forget: [], holding: 'a keeps ...' }
 */
export function planMoves(d: PlacementDecision, placed: Readonly<Record<string, unknown>>, fleet: readonly Pick<PlacementCluster, 'name' | 'phase'>[], maxConcurrent: number): MovePlan {
  const byName = new Map(fleet.map((c) => [c.name, c]));
  const has = Object.keys(placed).sort();
  const gone = (n: string) => {
    const c = byName.get(n);
    return !c || c.phase === 'Deleted' || c.phase === 'Decommissioning';
  };
  const forget = has.filter((n) => !d.chosen.includes(n) && gone(n));
  const add = d.chosen.filter((n) => !Object.hasOwn(placed, n)).slice(0, maxConcurrent);
  const leaving = has.filter((n) => !d.chosen.includes(n) && !gone(n));
  const wanted = d.wanted === 'all' ? d.chosen.length : d.wanted;
  const serving = d.chosen.filter((n) => Object.hasOwn(placed, n)).length;
  if (leaving.length && serving < wanted) {
    return { add, remove: [], forget, holding: `${leaving.join(', ')} keep${leaving.length === 1 ? 's' : ''} the bundle until ${wanted} chosen clusters have it (${serving} do)` };
  }
  return { add, remove: leaving, forget };
}

/** The status query of a placement in force. */
export interface PlacementStatus {
  name: string;
  bundle: { name: string; revision: string };
  /** Clusters with the bundle now, by name, and the revision each has. */
  placed: { cluster: string; since: string; revision: string }[];
  decision?: PlacementDecision;
  moves: PlacementMove[];
  holding?: string;
  lastEvaluatedAt?: string;
  evaluations: number;
  generation: number;
  summary: string;
  audit: PlacementAuditEntry[];
  deleting?: { by: string; reason?: string; at: string };
}

export function placementStatus(opts: { name: string; bundle: { name: string; revision: string } }, s: PlacedBundleState, holding?: string): PlacementStatus {
  const placed = Object.entries(s.placed).map(([cluster, p]) => ({ cluster, since: p.since, revision: p.revision ?? opts.bundle.revision })).sort((a, b) => a.cluster.localeCompare(b.cluster));
  const summary = `${opts.bundle.name}@${opts.bundle.revision} on ${placed.length} cluster${placed.length === 1 ? '' : 's'}: ${placed.map((p) => p.cluster).join(', ') || 'none'}${s.decision ? `; decision: ${s.decision.summary}` : '; not evaluated yet'}`;
  return {
    name: opts.name,
    bundle: { name: opts.bundle.name, revision: opts.bundle.revision },
    placed,
    ...(s.decision ? { decision: s.decision } : {}),
    moves: s.moves,
    ...(holding ? { holding } : {}),
    ...(s.lastEvaluatedAt ? { lastEvaluatedAt: s.lastEvaluatedAt } : {}),
    evaluations: s.evaluations,
    generation: s.generation,
    summary,
    audit: s.audit ?? [],
    ...(s.deleting ? { deleting: s.deleting } : {}),
  };
}
