import { allHandlersFinished, condition, continueAsNew, setCurrentDetails, setHandler, workflowInfo } from '@temporalio/workflow';
import { decidePlacement } from '../src/domain/placement/decide.js';
import {
  avoidNow,
  logMove,
  newPlacedBundleState,
  PlacedBundleInputSchema,
  placementId,
  placementStatus,
  planMoves,
  type PlacedBundleInput,
  type PlacedBundleState,
  type PlacementMove,
} from '../src/domain/placement/placed-bundle.js';
import { getPlacementStatus, reevaluatePlacement } from '../src/temporal/messages/placement.js';
import type { applyBundleToCluster } from './apply-bundle.js';
import type { rollbackBundle } from './rollback-bundle.js';
import { long } from './activity-profiles.js';
import { historyIsLong } from './history-limits.js';
import { parseInput, requireWorkflowId } from './operation-steps.js';
import { childFailureMessage } from './stage-runner.js';
import { clusterChild } from './staged-operation.js';

/** Rounds per run before continuing as new (besides the history-size rule). */
const ROUNDS_PER_RUN = 200;
const MAX_HISTORY_EVENTS = 5_000;
const iso = () => new Date().toISOString();

/**
 * A placement that stays in force (id `placement/<name>`): every `reevaluateEvery` (and at once
 * on the `reevaluate` update) it reads the fleet with health and capacity, decides (the pure
 * decidePlacement, carrying hysteresis from decision to decision), and moves the bundle: newly
 * chosen clusters get it through a child applyBundleToCluster (the cluster's own claim, apply with
 * prune, rollout and health); a cluster no longer chosen has it removed (child rollbackBundle to
 * nothing) only once enough chosen clusters have it. Moves are paced by `moveInterval` and logged.
 * It runs until terminated, continuing as new to keep its history short.
 */
export async function placedBundle(input: PlacedBundleInput, carried?: PlacedBundleState): Promise<never> {
  const opts = parseInput(PlacedBundleInputSchema, input, 'placed bundle');
  const id = workflowInfo().workflowId;
  requireWorkflowId(placementId(opts.name), 'name', opts.name);
  let state: PlacedBundleState = carried ?? newPlacedBundleState();
  let holding: string | undefined;
  /** Reevaluations asked for, and how many of them the round running (or last run) serves. */
  let asked = 0;
  let served = 0;
  let moving = false;
  const status = () => placementStatus(opts, state, holding);

  setHandler(getPlacementStatus, status, { description: 'Clusters with the bundle, the current decision with every cluster\'s reason, and the moves made' });
  setHandler(reevaluatePlacement, async () => {
    // A round already under way may have read the fleet before this request: wait for the next.
    const want = state.evaluations + (moving ? 2 : 1);
    asked++;
    await condition(() => state.evaluations >= want && !moving);
    return status();
  }, { description: 'Read the fleet and decide again now; answers once that round\'s moves are done: {"by": "alice", "reason": "..."}' });

  for (let round = 0; round < ROUNDS_PER_RUN && !historyIsLong(MAX_HISTORY_EVENTS); round++) {
    served = asked;
    moving = true;
    await evaluateAndMove();
    moving = false;
    setCurrentDetails(details());
    await condition(() => asked !== served, opts.reevaluateEvery);
  }
  await condition(allHandlersFinished);
  return continueAsNew<typeof placedBundle>(input, { ...state, generation: state.generation + 1 });

  async function evaluateAndMove(): Promise<void> {
    const fleet = await long.listPlacementFleet(opts.placement.selector);
    const now = Date.now();
    const decision = decidePlacement(opts.placement, fleet, { current: Object.keys(state.placed), failingSince: state.failingSince, avoid: avoidNow(state, opts.retryFailedAfter, now), now });
    state = { ...state, decision, failingSince: decision.failingSince, lastEvaluatedAt: iso(), evaluations: state.evaluations };
    const plan = planMoves(decision, state.placed, fleet, opts.maxConcurrentMoves);
    holding = plan.holding;
    for (const name of plan.forget) {
      const { [name]: _gone, ...rest } = state.placed;
      state = logMove({ ...state, placed: rest }, move(name, 'forget', 'Succeeded', `${reasonOf(name)}: forgotten (nothing left to remove it from)`));
    }
    const paced = state.lastMoveAt ? Date.parse(state.lastMoveAt) + opts.moveInterval - Date.now() : 0;
    if ((plan.add.length || plan.remove.length) && paced > 0) {
      holding = `moves paced: next moves in ${Math.ceil(paced / 1000)} s (moveInterval)`;
      state = { ...state, evaluations: state.evaluations + 1 };
      return;
    }
    await Promise.all(plan.add.map((name) => add(name)));
    // Removals follow from the same decision once the additions are in: planned again, so a
    // failed addition keeps the cluster it was to replace.
    const after = planMoves(decision, state.placed, fleet, 0);
    holding = after.holding;
    await Promise.all(after.remove.map((name) => remove(name)));
    state = { ...state, evaluations: state.evaluations + 1 };
  }

  function reasonOf(name: string): string {
    return state.decision?.clusters.find((c) => c.name === name)?.reason ?? 'not in the decision';
  }

  function move(cluster: string, action: PlacementMove['action'], outcome: PlacementMove['outcome'], message: string): PlacementMove {
    return { at: iso(), cluster, action, outcome, message };
  }

  async function add(name: string): Promise<void> {
    const n = ++state.moveCount;
    const { bundle } = opts;
    const workflowId = `${id}/apply/${name}/${n}`;
    const why = `chosen (${reasonOf(name)})`;
    try {
      const r = await clusterChild<typeof applyBundleToCluster>('applyBundleToCluster', {
        workflowId,
        args: [{ cluster: name, bundleFrom: { rollout: id, name: bundle.name, revision: bundle.revision, overrides: [] }, autoReconcile: opts.autoReconcile, rolloutDeadlineSeconds: Math.round(opts.rolloutDeadline / 1000), requestedBy: opts.requestedBy ?? id }],
        staticSummary: `apply ${bundle.name}@${bundle.revision} to ${name} (placement ${opts.name})`,
      });
      const { [name]: _ok, ...failed } = state.failed;
      state = logMove({ ...state, failed, placed: { ...state.placed, [name]: { since: iso() } } }, move(name, 'add', 'Succeeded', `${why}: applied, ${r.counts.created} created, ${r.counts.configured} configured`));
    } catch (err) {
      const message = childFailureMessage(workflowId, err, 'another move of this placement');
      state = logMove({ ...state, failed: { ...state.failed, [name]: { at: iso(), message } } }, move(name, 'add', 'Failed', `${why}: ${message}`));
    }
  }

  async function remove(name: string): Promise<void> {
    const n = ++state.moveCount;
    const workflowId = `${id}/remove/${name}/${n}`;
    const why = `no longer chosen (${reasonOf(name)})`;
    try {
      await clusterChild<typeof rollbackBundle>('rollbackBundle', {
        workflowId,
        args: [{ cluster: name, bundle: opts.bundle.name, revision: opts.bundle.revision, to: null, requestedBy: opts.requestedBy ?? id, reason: `placement ${opts.name}: ${why}`.slice(0, 500) }],
        staticSummary: `remove ${opts.bundle.name} from ${name} (placement ${opts.name})`,
      });
      const { [name]: _removed, ...placed } = state.placed;
      state = logMove({ ...state, placed }, move(name, 'remove', 'Succeeded', `${why}: removed`));
    } catch (err) {
      state = logMove(state, move(name, 'remove', 'Failed', `${why}: ${childFailureMessage(workflowId, err, 'another move of this placement')}`));
    }
  }

  function details(): string {
    const s = status();
    const last = state.moves[0];
    return `**${opts.name}** ${s.summary}${holding ? `\n\n${holding}` : ''}${last ? `\n\nlast move: ${last.action} ${last.cluster} ${last.outcome} at ${last.at}` : ''}`;
  }
}
