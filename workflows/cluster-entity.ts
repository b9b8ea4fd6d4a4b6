import {
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
  patched,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { ClusterSpecSchema } from '../src/domain/cluster/spec.js';
import {
  applyProgress,
  beginOperation,
  changeSpec,
  finishOperation,
  newClusterState,
  refuseOperation,
  refuseSpecChange,
} from '../src/domain/cluster/lifecycle.js';
import { bundlesToReconcile, recordDrift, withReconcileOutcome } from '../src/domain/cluster/applied-bundles.js';
import { nextCheckDelay, recordHealth } from '../src/domain/cluster/checks.js';
import type { ClusterState } from '../src/domain/cluster/state.js';
import { inventoryValues } from '../src/domain/cluster/inventory.js';
import { OperationRequestSchema } from '../src/domain/cluster/operation-inputs.js';
import { targetOf } from '../src/domain/cluster/target.js';
import { SA } from '../src/temporal/search-attributes.js';
import { long, probe, quick } from './activity-profiles.js';
import { historyIsLong } from './history-limits.js';
import { parseInput, rootFailure } from './operation-steps.js';
import {
  claimOperation,
  getClusterState,
  operationFinished,
  operationProgress,
  registerCluster,
  type ClusterEntityInput,
} from '../src/temporal/messages/cluster.js';

/** Continue-as-new well before Temporal's suggestion so replays stay quick. */
const MAX_HISTORY_EVENTS = 2_000;
/** How often a running operation's workflow is checked for having ended without a word. */
const OPERATION_CHECK_INTERVAL = '30 seconds';

const now = () => new Date().toISOString();

/**
 * One long-running entity per cluster (id `cluster/<name>`): the fleet inventory. It holds the
 * state, admits at most one mutating operation at a time and publishes search attributes so
 * that listing clusters is a visibility query. It completes once the cluster is Deleted.
 */
export async function clusterEntity(input: ClusterEntityInput): Promise<ClusterState> {
  let state = input.state ?? newClusterState(parseSpec(input.spec), now());

  const publish = () => {
    const v = inventoryValues(state);
    upsertSearchAttributes([
      { key: SA.provider, value: v.provider },
      { key: SA.region, value: v.region },
      { key: SA.environment, value: v.environment },
      { key: SA.version, value: v.version },
      { key: SA.phase, value: v.phase },
      { key: SA.health, value: v.health },
      { key: SA.labels, value: v.labels },
    ]);
    const op = state.current ? `; ${state.current.type} ${state.current.id}: ${state.current.message ?? ''}` : '';
    setCurrentDetails(`**${state.phase}** ${state.spec.provider}/${state.spec.region} v${v.version || '?'}${op}`);
  };
  let published = '';
  const update = (next: ClusterState) => {
    state = next;
    // Upserting only on change keeps the history short.
    const key = JSON.stringify([inventoryValues(state), state.current?.message]);
    if (key !== published) {
      published = key;
      publish();
    }
  };

  setHandler(getClusterState, () => state, { description: 'The cluster: spec, phase, version, health, operations' });

  /** The health check in flight, cancelled when an operation claims the cluster. */
  let checking: CancellationScope | undefined;

  setHandler(claimOperation, (req) => {
    checking?.cancel();
    update(beginOperation(state, OperationRequestSchema.parse(req), now()));
    return state;
  }, {
    description: 'Start a mutating operation (refused while another runs)',
    validator: (req) => {
      const refusal = refuseOperation(state, parseInput(OperationRequestSchema, req, 'operation request', 'InvalidInput', 'request'));
      if (refusal) throw ApplicationFailure.nonRetryable(refusal.message, refusal.type);
    },
  });

  setHandler(registerCluster, (specInput) => {
    update(changeSpec(state, ClusterSpecSchema.parse(specInput), now()));
    return state;
  }, {
    description: 'Register or re-register the cluster spec',
    validator: (specInput) => {
      const refusal = refuseSpecChange(state, parseSpec(specInput));
      if (refusal) throw ApplicationFailure.nonRetryable(refusal, 'InvalidClusterSpec');
    },
  });

  setHandler(operationProgress, ({ operationId, step, patch }) => {
    update(applyProgress(state, operationId, step, patch ?? {}, now()));
  });

  setHandler(operationFinished, (outcome) => {
    update(finishOperation(state, outcome, now()));
  });

  /** One health check; its verdict is dropped if an operation claimed the cluster meanwhile. */
  const checkHealth = async () => {
    const scope = new CancellationScope();
    checking = scope;
    try {
      await scope.run(async () => {
        const report = await probe.checkClusterHealth({ target: targetOf(state) });
        if (state.current) return;
        update(recordHealth(state, report, now()));
        if (report.status === 'Unreachable') return;
        for (const b of state.bundles ?? []) {
          const drift = await probe.checkBundleDrift({ target: targetOf(state), bundle: b.name, revision: b.revision });
          if (state.current) return;
          update(recordDrift(state, b.name, drift, now()));
        }
      });
    } catch (err) {
      if (!isCancellation(err) && !state.current) {
        update(recordHealth(state, { status: 'Unknown', reasons: [`health check failed: ${rootFailure(err).message}`], checkedAt: now() }, now()));
      }
    } finally {
      checking = undefined;
    }
    for (const b of bundlesToReconcile(state)) {
      if (!state.current) await reconcile(b.name, b.revision);
    }
  };

  /**
   * Re-applies a drifted bundle's revision as an operation of the entity itself, so it holds
   * the cluster like any other (a claim meanwhile is refused as busy, never interleaved).
   */
  const reconcile = async (bundle: string, revision: string) => {
    const id = `${workflowInfo().workflowId}/reconcile/${bundle}/${now()}`;
    update(beginOperation(state, { id, type: 'reconcile', requestedBy: 'fleetflow auto-reconcile' }, now()));
    try {
      // Force: the point is to take back the fields someone else changed.
      const r = await long.applyStoredRevision({ target: targetOf(state), bundle, revision, force: true });
      const repaired = r.counts.created + r.counts.configured;
      const bundles = withReconcileOutcome(state.bundles, bundle, undefined, now());
      update(finishOperation(state, { operationId: id, succeeded: true, message: `re-applied ${bundle}@${revision}: ${repaired} objects repaired, ${r.counts.pruned} pruned`, patch: { bundles } }, now()));
    } catch (err) {
      const message = `auto-reconcile of ${bundle}@${revision} failed (suspended until the bundle is applied again): ${rootFailure(err).message}`;
      const bundles = withReconcileOutcome(state.bundles, bundle, message, now());
      update(finishOperation(state, { operationId: id, succeeded: false, message, patch: { bundles } }, now()));
    }
  };

  // Entities started before periodic checks existed keep their recorded behaviour on replay.
  const periodicChecks = patched('periodic-health-checks');
  update(state);
  // The 2 MB rule came later: entities started before it keep continuing by events only on replay.
  const bySize = patched('entity-history-size');
  const done = () => state.phase === 'Deleted' || historyIsLong(MAX_HISTORY_EVENTS, bySize);
  // The entity is the inventory: a cancel request (one click in the UI) must not drop a live
  // cluster from it, so it is ignored; decommission retires a cluster, terminate is for admins.
  await CancellationScope.nonCancellable(async () => {
    while (!done()) {
      const op = state.current?.id;
      if (!op) {
        const delay = periodicChecks ? nextCheckDelay(state, Date.now()) : undefined;
        if (delay === undefined) {
          await condition(() => !!state.current || done());
        } else if (delay > 0 && (await condition(() => !!state.current || done(), delay))) {
          continue;
        } else {
          await checkHealth();
        }
        continue;
      }
      // A terminated or timed-out operation never reports its end: look for that while it runs.
      const moved = await condition(() => state.current?.id !== op || done(), OPERATION_CHECK_INTERVAL);
      if (moved) continue;
      const status = await quick.operationStatus(op);
      if (status !== 'RUNNING' && state.current?.id === op) {
        update(finishOperation(state, {
          operationId: op,
          succeeded: false,
          message: `operation ${op} ended (${status}) without reporting its outcome`,
        }, now()));
      }
    }
  });
  await condition(allHandlersFinished);
  if (state.phase === 'Deleted') return state;
  return continueAsNew<typeof clusterEntity>({ spec: state.spec, state });
}


function parseSpec(input: unknown) {
  return parseInput(ClusterSpecSchema, input, 'cluster spec', 'InvalidClusterSpec', 'spec');
}
