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

/** One move, audited: a cluster given the bundle, one it was removed from, or one forgotten (gone from the fleet). */
export interface PlacementMove {
  at: string;
  cluster: string;
  action: 'add' | 'remove' | 'forget';
  outcome: 'Succeeded' | 'Failed';
  /** Why the move was made (the decision's reason) and how it went. */
  message: string;
}

/** What placedBundle carries across continue-as-new. */
export interface PlacedBundleState {
  /** Clusters that have the bundle (its apply succeeded), since when. */
  placed: Record<string, { since: string }>;
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
  /** Clusters with the bundle now, by name. */
  placed: { cluster: string; since: string }[];
  decision?: PlacementDecision;
  moves: PlacementMove[];
  holding?: string;
  lastEvaluatedAt?: string;
  evaluations: number;
  generation: number;
  summary: string;
}

export function placementStatus(opts: { name: string; bundle: { name: string; revision: string } }, s: PlacedBundleState, holding?: string): PlacementStatus {
  const placed = Object.entries(s.placed).map(([cluster, p]) => ({ cluster, since: p.since })).sort((a, b) => a.cluster.localeCompare(b.cluster));
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
  };
}
