import { allHandlersFinished, ApplicationFailure, condition, continueAsNew, log, patched, setCurrentDetails, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import { BundleSchema } from '../src/domain/bundle/bundle.js';
import { decidePlacement } from '../src/domain/placement/decide.js';
import {
  avoidNow,
  DeletePlacementSchema,
  logAudit,
  logMove,
  newPlacedBundleState,
  outdatedClusters,
  PlacedBundleInputSchema,
  ReevaluatePlacementSchema,
  placementId,
  placementStatus,
  planMoves,
  refuseBundleUpdate,
  revisionOn,
  stampRevisions,
  UpdatePlacementSchema,
  type PlacedBundleInput,
  type PlacedBundleResult,
  type PlacedBundleState,
  type PlacementMove,
} from '../src/domain/placement/placed-bundle.js';
import type { Bundle } from '../src/domain/bundle/bundle.js';
import { deletePlacement, getPlacementStatus, reevaluatePlacement, updatePlacedBundle } from '../src/temporal/messages/placement.js';
import type { applyBundleToCluster } from './apply-bundle.js';
import type { rollbackBundle } from './rollback-bundle.js';
import { long } from './activity-profiles.js';
import { historyIsLong } from './history-limits.js';
import { parseInput, requireWorkflowId } from './operation-steps.js';
import { childFailureMessage, failedChild } from './stage-runner.js';
import { clusterChild } from './staged-operation.js';

/** Rounds per run before continuing as new (besides the history-size rule). */
const ROUNDS_PER_RUN = 200;
const MAX_HISTORY_EVENTS = 5_000;
/** A delete tries a failed removal again this many times, this far apart, before it ends reporting it. */
const DELETE_ATTEMPTS = 5;
const DELETE_RETRY_MS = 60_000;
/**
 * Busy is not failure: a cluster whose claim was refused because another operation holds it is
 * not avoided for `retryFailedAfter`, but tried again at the next round, which comes after
 * BUSY_RETRY_MS at most. Runs before it counted a busy refusal as a failed apply.
 */
const PLACEMENT_BUSY_PATCH = 'placement-busy-is-not-failure';
const BUSY_RETRY_MS = 30_000;
/** Patch of the bundle update (a run that rolls a new revision to the clusters with an older one). */
export const BUNDLE_UPDATE_PATCH = 'placed-bundle-update';
const iso = () => new Date().toISOString();

/**
 * A placement that stays in force (id `placement/<name>`): every `reevaluateEvery` (and at once
 * on the `reevaluate` update) it reads the fleet with health and capacity, decides (the pure
 * decidePlacement, carrying hysteresis from decision to decision), and moves the bundle: newly
 * chosen clusters get it through a child applyBundleToCluster (the cluster's own claim, apply with
 * prune, rollout and health); a cluster no longer chosen has it removed (child rollbackBundle to
 * nothing) only once enough chosen clusters have it. Moves are paced by `moveInterval` and logged.
 *
 * The `updateBundle` update changes the revision in place: the workflow continues as new with
 * the new bundle (children read it from the run's input), and each round rolls it to the chosen
 * clusters that still have an older one, `maxConcurrentMoves` at a time. The `deletePlacement`
 * update removes the bundle from every cluster that has it and ends the workflow. Otherwise it
 * runs until terminated, continuing as new to keep its history short.
 */
export async function placedBundle(input: PlacedBundleInput, carried?: PlacedBundleState): Promise<PlacedBundleResult> {
  const opts = parseInput(PlacedBundleInputSchema, input, 'placed bundle');
  const id = workflowInfo().workflowId;
  requireWorkflowId(placementId(opts.name), 'name', opts.name);
  let state: PlacedBundleState = carried ?? newPlacedBundleState();
  let holding: string | undefined;
  /** Reevaluations asked for, and how many of them the round running (or last run) serves. */
  let asked = 0;
  let served = 0;
  let moving = false;
  /** A new revision accepted by the update, taken in by continuing as new after the round. */
  let nextBundle: Bundle | undefined;
  /** A cluster was busy at a move this round: the next round comes sooner. */
  let busySeen = false;
  const status = () => placementStatus(opts, state, holding);

  setHandler(getPlacementStatus, status, { description: 'Clusters with the bundle, the current decision with every cluster\'s reason, and the moves made' });
  setHandler(reevaluatePlacement, async () => {
    // A round already under way may have read the fleet before this request: wait for the next.
    const want = state.evaluations + (moving ? 2 : 1);
    asked++;
    // A run that is ending (deleted, or continuing as new with an update) answers with what it has.
    await condition(() => (state.evaluations >= want && !moving) || !!state.deleting || !!nextBundle);
    return status();
  }, {
    description: 'Read the fleet and decide again now; answers once that round\'s moves are done: {"by": "alice", "reason": "..."}',
    // A refusal leaves no trace in the history: checking the argument changes no command.
    validator: (req) => void parseInput(ReevaluatePlacementSchema, req, 'reevaluate request', 'InvalidInput', 'request'),
  });
  setHandler(updatePlacedBundle, (req) => {
    const u = UpdatePlacementSchema.parse(req);
    const bundle = BundleSchema.parse(u.bundle);
    nextBundle = bundle;
    const detail = `bundle ${bundle.name} ${opts.bundle.revision} -> ${bundle.revision} on ${Object.keys(state.placed).length} placed clusters`;
    state = logAudit(state, { at: iso(), action: 'update', by: u.by, ...(u.reason ? { reason: u.reason } : {}), detail });
    log.info(`placement ${opts.name}: update by ${u.by}: ${detail}${u.reason ? ` (${u.reason})` : ''}`);
    return { from: opts.bundle.revision, to: bundle.revision };
  }, {
    description: 'Change the bundle\'s revision in place and roll it to the chosen clusters: {"bundle": {...}, "by": "alice", "reason": "..."}',
    validator: (req) => {
      const u = parseInput(UpdatePlacementSchema, req, 'update request', 'InvalidInput', 'request');
      const refusal = refuseBundleUpdate(opts.bundle, u.bundle, { deleting: !!state.deleting, ...(nextBundle ? { updating: nextBundle.revision } : {}) });
      if (refusal) throw ApplicationFailure.nonRetryable(refusal, state.deleting || nextBundle ? 'OperatorActionRefused' : 'InvalidInput');
    },
  });
  setHandler(deletePlacement, (req) => {
    const d = DeletePlacementSchema.parse(req);
    const clusters = Object.keys(state.placed).sort();
    state = logAudit({ ...state, deleting: { by: d.by, at: iso(), ...(d.reason ? { reason: d.reason } : {}) } }, {
      at: iso(), action: 'delete', by: d.by, ...(d.reason ? { reason: d.reason } : {}), detail: `bundle ${opts.bundle.name} to be removed from ${clusters.join(', ') || 'no cluster'}`,
    });
    log.info(`placement ${opts.name}: deleted by ${d.by}${d.reason ? ` (${d.reason})` : ''}; removing ${opts.bundle.name} from ${clusters.join(', ') || 'no cluster'}`);
    return { accepted: true as const, clusters };
  }, {
    description: 'Remove the bundle from every cluster it was placed on, then end: {"by": "alice", "reason": "..."}',
    validator: (req) => {
      parseInput(DeletePlacementSchema, req, 'delete request', 'InvalidInput', 'request');
      if (state.deleting) throw ApplicationFailure.nonRetryable(`placement ${opts.name} is already being deleted`, 'OperatorActionRefused');
    },
  });

  for (let round = 0; round < ROUNDS_PER_RUN && !historyIsLong(MAX_HISTORY_EVENTS) && !state.deleting && !nextBundle; round++) {
    served = asked;
    moving = true;
    await evaluateAndMove();
    moving = false;
    setCurrentDetails(details());
    await condition(() => asked !== served || !!state.deleting || !!nextBundle, busySeen ? Math.min(BUSY_RETRY_MS, opts.reevaluateEvery) : opts.reevaluateEvery);
  }
  if (state.deleting) return deleteEverywhere();
  await condition(allHandlersFinished);
  if (nextBundle && patched(BUNDLE_UPDATE_PATCH)) {
    // The children read the bundle from this workflow's input: the next run carries the new one,
    // and each placed cluster keeps the revision it has until its update.
    return continueAsNew<typeof placedBundle>({ ...input, bundle: nextBundle }, { ...stampRevisions(state, opts.bundle.revision), generation: state.generation + 1 });
  }
  return continueAsNew<typeof placedBundle>(input, { ...state, generation: state.generation + 1 });

  async function evaluateAndMove(): Promise<void> {
    busySeen = false;
    const fleet = await long.listPlacementFleet(opts.placement.selector);
    const now = Date.now();
    const avoid = avoidNow(state, opts.retryFailedAfter, now);
    const decision = decidePlacement(opts.placement, fleet, { current: Object.keys(state.placed), failingSince: state.failingSince, avoid, now });
    state = { ...state, decision, failingSince: decision.failingSince, lastEvaluatedAt: iso(), evaluations: state.evaluations };
    const plan = planMoves(decision, state.placed, fleet, opts.maxConcurrentMoves);
    holding = plan.holding;
    for (const name of plan.forget) {
      const { [name]: _gone, ...rest } = state.placed;
      state = logMove({ ...state, placed: rest }, move(name, 'forget', 'Succeeded', `${reasonOf(name)}: forgotten (nothing left to remove it from)`));
    }
    // Only a run after an update has clusters at another revision (none in older histories).
    const outdated = outdatedClusters(state, decision.chosen, opts.bundle.revision, avoid);
    const updateStopped = outdated.length && patched(BUNDLE_UPDATE_PATCH) ? await updateRevision(outdated) : undefined;
    // Clusters still at an older revision whose apply failed lately say so until they are tried again.
    const behind = outdatedClusters(state, decision.chosen, opts.bundle.revision, {});
    const updateHeld = updateStopped ?? (behind.length ? `update to ${opts.bundle.revision}: ${behind.join(', ')} still at an older revision (its apply failed lately; tried again after retryFailedAfter)` : undefined);
    const paced = state.lastMoveAt ? Date.parse(state.lastMoveAt) + opts.moveInterval - Date.now() : 0;
    if ((plan.add.length || plan.remove.length) && paced > 0) {
      holding = updateHeld ?? `moves paced: next moves in ${Math.ceil(paced / 1000)} s (moveInterval)`;
      state = { ...state, evaluations: state.evaluations + 1 };
      return;
    }
    await Promise.all(plan.add.map((name) => add(name)));
    // Removals follow from the same decision once the additions are in: planned again, so a
    // failed addition keeps the cluster it was to replace.
    const after = planMoves(decision, state.placed, fleet, 0);
    holding = after.holding ?? updateHeld;
    await Promise.all(after.remove.map((name) => remove(name)));
    state = { ...state, evaluations: state.evaluations + 1 };
  }

  /**
   * The new revision to the chosen clusters with an older one, `maxConcurrentMoves` at a time,
   * one batch after the other; a failed batch stops the update for this round (a revision that
   * breaks a cluster goes no further), and its clusters are tried again after `retryFailedAfter`.
   */
  async function updateRevision(clusters: readonly string[]): Promise<string | undefined> {
    for (let i = 0; i < clusters.length; i += opts.maxConcurrentMoves) {
      const batch = clusters.slice(i, i + opts.maxConcurrentMoves);
      const ok = await Promise.all(batch.map((name) => add(name, 'update')));
      if (ok.includes(false)) {
        return `update to ${opts.bundle.revision} stopped: ${batch.filter((_, j) => !ok[j]).join(', ')} failed (or busy); tried again at a later round, or give a fixed revision with \`placement update\``;
      }
    }
    return undefined;
  }

  function reasonOf(name: string): string {
    return state.decision?.clusters.find((c) => c.name === name)?.reason ?? 'not in the decision';
  }

  function move(cluster: string, action: PlacementMove['action'], outcome: PlacementMove['outcome'], message: string): PlacementMove {
    return { at: iso(), cluster, action, outcome, message };
  }

  /** Applies the current revision to `name` (a new cluster, or an update of one that has an older revision). */
  async function add(name: string, action: 'add' | 'update' = 'add'): Promise<boolean> {
    const n = ++state.moveCount;
    const { bundle } = opts;
    const workflowId = `${id}/${action === 'add' ? 'apply' : 'update'}/${name}/${n}`;
    const why = action === 'add' ? `chosen (${reasonOf(name)})` : `updated from ${revisionOn(state, name, bundle.revision)} to ${bundle.revision}`;
    try {
      const r = await clusterChild<typeof applyBundleToCluster>('applyBundleToCluster', {
        workflowId,
        args: [{ cluster: name, bundleFrom: { rollout: id, name: bundle.name, revision: bundle.revision, overrides: [] }, autoReconcile: opts.autoReconcile, rolloutDeadlineSeconds: Math.round(opts.rolloutDeadline / 1000), requestedBy: opts.requestedBy ?? id }],
        staticSummary: `apply ${bundle.name}@${bundle.revision} to ${name} (placement ${opts.name})`,
      });
      const { [name]: _ok, ...failed } = state.failed;
      const since = action === 'add' ? iso() : (state.placed[name]?.since ?? iso());
      state = logMove({ ...state, failed, placed: { ...state.placed, [name]: { since } } }, move(name, action, 'Succeeded', `${why}: applied, ${r.counts.created} created, ${r.counts.configured} configured`));
      return true;
    } catch (err) {
      const outcome = failedChild(workflowId, err, 'another move of this placement');
      if (outcome.busy && patched(PLACEMENT_BUSY_PATCH)) {
        // Nothing is wrong with the cluster: it is only taken now. Not avoided; tried again soon.
        busySeen = true;
        state = logMove(state, move(name, action, 'Busy', `${why}: ${outcome.message}; tried again at the next round (in ${BUSY_RETRY_MS / 1000} s at most)`));
        return false;
      }
      const message = outcome.message;
      state = logMove({ ...state, failed: { ...state.failed, [name]: { at: iso(), message } } }, move(name, action, 'Failed', `${why}: ${message}`));
      return false;
    }
  }

  async function remove(name: string, why = `no longer chosen (${reasonOf(name)})`): Promise<boolean> {
    const n = ++state.moveCount;
    const workflowId = `${id}/remove/${name}/${n}`;
    try {
      await clusterChild<typeof rollbackBundle>('rollbackBundle', {
        workflowId,
        args: [{ cluster: name, bundle: opts.bundle.name, revision: revisionOn(state, name, opts.bundle.revision), to: null, requestedBy: opts.requestedBy ?? id, reason: `placement ${opts.name}: ${why}`.slice(0, 500) }],
        staticSummary: `remove ${opts.bundle.name} from ${name} (placement ${opts.name})`,
      });
      const { [name]: _removed, ...placed } = state.placed;
      state = logMove({ ...state, placed }, move(name, 'remove', 'Succeeded', `${why}: removed`));
      return true;
    } catch (err) {
      const outcome = failedChild(workflowId, err, 'another move of this placement');
      if (outcome.busy && patched(PLACEMENT_BUSY_PATCH)) {
        busySeen = true;
        state = logMove(state, move(name, 'remove', 'Busy', `${why}: ${outcome.message}; tried again at the next round`));
        return false;
      }
      state = logMove(state, move(name, 'remove', 'Failed', `${why}: ${childFailureMessage(workflowId, err, 'another move of this placement')}`));
      return false;
    }
  }

  /**
   * Deleted: the bundle comes off every cluster that has it (a cluster gone from the fleet is
   * forgotten), `maxConcurrentMoves` at a time; a failed removal is tried again a minute later,
   * up to DELETE_ATTEMPTS times, then reported in the result. The workflow then ends.
   */
  async function deleteEverywhere(): Promise<PlacedBundleResult> {
    const d = state.deleting!;
    const why = `placement deleted by ${d.by}${d.reason ? ` (${d.reason})` : ''}`;
    const removed: string[] = [];
    const forgotten: string[] = [];
    for (let attempt = 1; attempt <= DELETE_ATTEMPTS && Object.keys(state.placed).length; attempt++) {
      if (attempt > 1) await sleep(DELETE_RETRY_MS);
      setCurrentDetails(`**${opts.name}** deleting: removing ${opts.bundle.name} from ${Object.keys(state.placed).sort().join(', ')} (attempt ${attempt} of ${DELETE_ATTEMPTS})`);
      const fleet = await long.listPlacementFleet({ include: Object.keys(state.placed) });
      const present = new Set(fleet.filter((c) => c.phase !== 'Deleted' && c.phase !== 'Decommissioning').map((c) => c.name));
      for (const name of Object.keys(state.placed).sort().filter((n) => !present.has(n))) {
        const { [name]: _gone, ...rest } = state.placed;
        state = logMove({ ...state, placed: rest }, move(name, 'forget', 'Succeeded', `${why}: the cluster is gone, nothing to remove`));
        forgotten.push(name);
      }
      const left = Object.keys(state.placed).sort();
      for (let i = 0; i < left.length; i += opts.maxConcurrentMoves) {
        const batch = left.slice(i, i + opts.maxConcurrentMoves);
        const ok = await Promise.all(batch.map((name) => remove(name, why)));
        batch.forEach((name, j) => ok[j] && removed.push(name));
      }
    }
    const failed = Object.keys(state.placed).sort().map((cluster) => ({ cluster, message: state.moves.find((m) => m.cluster === cluster && m.action === 'remove')?.message ?? 'not removed' }));
    const summary = `${removed.length} removed${forgotten.length ? `, ${forgotten.length} forgotten` : ''}${failed.length ? `, ${failed.length} not removed: ${failed.map((f) => f.cluster).join(', ')}` : ''}`;
    log.info(`placement ${opts.name} deleted: ${summary}`);
    setCurrentDetails(`**${opts.name}** deleted by ${d.by}: ${summary}`);
    await condition(allHandlersFinished);
    return { deleted: true, removed: removed.sort(), forgotten: forgotten.sort(), failed };
  }

  function details(): string {
    const s = status();
    const last = state.moves[0];
    return `**${opts.name}** ${s.summary}${holding ? `\n\n${holding}` : ''}${last ? `\n\nlast move: ${last.action} ${last.cluster} ${last.outcome} at ${last.at}` : ''}`;
  }
}
