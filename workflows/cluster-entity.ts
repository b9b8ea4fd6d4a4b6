import {
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  patched,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { z } from 'zod';
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
import { nextCheckDelay, operationCheckDelay } from '../src/domain/cluster/checks.js';
import { ClusterEntityInputSchema, OperationFinishedSchema, OperationProgressSchema } from '../src/domain/cluster/entity-input.js';
import type { ClusterState } from '../src/domain/cluster/state.js';
import { clusterEntityId, inventoryValues } from '../src/domain/cluster/inventory.js';
import { OperationRequestSchema } from '../src/domain/cluster/operation-inputs.js';
import { checkInput } from '../src/domain/validation.js';
import { inventoryAttributes, SA } from '../src/temporal/search-attributes.js';
import { ClusterChecks } from './cluster-checks.js';
import { CAPACITY_PATCH } from './cluster-capacity-check.js';
import { capacityValues } from '../src/domain/cluster/capacity.js';
import { historyIsLong } from './history-limits.js';
import { parseInput, requireWorkflowId } from './operation-steps.js';
import {
  claimOperation,
  getClusterState,
  operationFinished,
  operationProgress,
  registerCluster,
  type ClusterEntityInput,
} from '../src/temporal/messages/cluster.js';
import { checkClusterNow } from '../src/temporal/messages/cluster-check.js';
import { acceptAgent, agentHeartbeat, agentJoin, issueJoinToken } from '../src/temporal/messages/agent.js';
import {
  AcceptAgentSchema,
  AgentHeartbeatSchema,
  AgentJoinSchema,
  IssueJoinTokenSchema,
  accept,
  issueJoinToken as withJoinToken,
  join,
  refuseAccept,
  refuseJoin,
  refuseJoinToken,
  type AgentRefusal,
} from '../src/domain/agent/join.js';
import { markAgentOffline, msUntilOffline, offlineRecorded, recordHeartbeat } from '../src/domain/agent/liveness.js';
import { isAgentCluster } from '../src/domain/cluster/connection.js';

/** Continue-as-new well before Temporal's suggestion so replays stay quick. */
const MAX_HISTORY_EVENTS = 2_000;

const now = () => new Date().toISOString();

/**
 * One long-running entity per cluster (id `cluster/<name>`): the fleet inventory. It holds the
 * state, admits at most one mutating operation at a time and publishes search attributes so
 * that listing clusters is a visibility query. It completes once the cluster is Deleted.
 * Health, drift and operation checks are in ClusterChecks; none of them can fail the entity.
 */
export async function clusterEntity(input: ClusterEntityInput): Promise<ClusterState> {
  let state = startingState(input);

  const publish = () => {
    upsertSearchAttributes([...inventoryAttributes(state), ...capacityAttributes()]);
  };
  // Only a state that holds capacity publishes it, and only from code that has the patch
  // (asked lazily: a state carried over with capacity is published as soon as it is seen).
  const capacityAttributes = () => {
    if (!state.capacity || !patched(CAPACITY_PATCH)) return [];
    const c = capacityValues(state.capacity);
    return [{ key: SA.zones, value: c.zones }, { key: SA.nodes, value: c.nodes }, { key: SA.freeCpu, value: c.freeCpu }];
  };
  let published = '';
  const update = (next: ClusterState) => {
    state = next;
    // Upserting only on change keeps the history short (the key is what it was when histories were recorded).
    const key = JSON.stringify([inventoryValues(state), state.current?.message, ...(state.capacity ? [capacityValues(state.capacity)] : [])]);
    if (key !== published) {
      published = key;
      publish();
    }
    setCurrentDetails(details(state)); // not a command: free to refresh on every change
  };
  const checks = new ClusterChecks({ get state() { return state; }, update });

  setHandler(getClusterState, () => state, { description: 'The cluster: spec, phase, version, health, operations' });

  setHandler(claimOperation, (req) => {
    checks.cancel();
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

  // A signal cannot be refused: a malformed one (typed into the UI) is logged and dropped
  // rather than failing the workflow task over and over.
  setHandler(operationProgress, (progress) => {
    if (!wellFormed(OperationProgressSchema, progress, 'operationProgress')) return;
    const { operationId, step, patch } = progress;
    update(applyProgress(state, operationId, step, patch ?? {}, now()));
  }, { description: 'From the running operation: its step and state changes (sent by operation workflows, not by hand)' });

  setHandler(operationFinished, (outcome) => {
    if (!wellFormed(OperationFinishedSchema, outcome, 'operationFinished')) return;
    update(finishOperation(state, outcome, now()));
  }, { description: 'From the running operation: how it ended (sent by operation workflows, not by hand)' });

  // A check asked for now (a fleet policy found drift): it runs at the next moment no operation
  // holds the cluster. No patch: until such a signal arrives, the loop issues exactly the
  // commands it issued before, so recorded histories replay unchanged.
  let checkRequested = false;
  setHandler(checkClusterNow, () => {
    checkRequested = true;
  }, { description: 'Run the health and drift check (and auto-reconcile) now rather than at the next interval' });

  // Agent clusters (src/domain/agent): join with a token, accept, heartbeats. New handlers only:
  // a direct cluster's entity issues the commands it always did.
  const refuse = (refusal: AgentRefusal | undefined) => {
    if (refusal) throw ApplicationFailure.nonRetryable(refusal.message, refusal.type);
  };
  setHandler(issueJoinToken, (req) => {
    update(withJoinToken(state, IssueJoinTokenSchema.parse(req), now()));
    return state;
  }, {
    description: 'Keep the digest of a new join token for the agent of this cluster (made by `fleetflow clusters join-token`)',
    validator: (req) => refuse(refuseJoinToken(state, parseInput(IssueJoinTokenSchema, req, 'join token', 'InvalidInput', 'request'), Date.now())),
  });
  setHandler(agentJoin, (req) => {
    update(join(state, AgentJoinSchema.parse(req), now()));
    return state;
  }, {
    description: "The agent's first start: proof of its join token, identity, version (the cluster becomes AgentPending)",
    validator: (req) => refuse(refuseJoin(state, parseInput(AgentJoinSchema, req, 'agent join', 'InvalidInput', 'request'), Date.now())),
  });
  setHandler(acceptAgent, (req) => {
    update(accept(state, AcceptAgentSchema.parse(req), now()));
    checkRequested = true; // Active now: the first check runs through the agent at once
    return state;
  }, {
    description: 'Accept the agent that joined (audited: who and when are kept in state.agent); the cluster becomes Active',
    validator: (req) => refuse(refuseAccept(state, parseInput(AcceptAgentSchema, req, 'accept', 'InvalidInput', 'request'))),
  });
  setHandler(agentHeartbeat, (hb) => {
    if (!wellFormed(AgentHeartbeatSchema, hb, 'agentHeartbeat')) return;
    const seen = recordHeartbeat(state, hb, now());
    if (seen.ignored) return log.warn(`heartbeat from ${hb.identity}, which is not the joined agent of ${state.spec.name}: ignored`);
    update(seen.state);
    if (seen.recovered) checkRequested = true;
  }, { description: 'From the agent, every few seconds: it is alive (sent by `fleetflow agent`, not by hand)' });

  /**
   * The idle wait of an accepted agent cluster: the periodic check, and the liveness deadline
   * (no heartbeat for offlineAfter: Unreachable, AgentOffline, without asking the agent). While
   * offline no check is scheduled; a heartbeat asks for one.
   */
  const agentIdle = async () => {
    const nowMs = Date.now();
    const untilOffline = msUntilOffline(state, nowMs);
    if (untilOffline === 0) {
      update(markAgentOffline(state, now()));
      return;
    }
    const untilCheck = offlineRecorded(state) ? undefined : nextCheckDelay(state, nowMs);
    const delay = untilOffline === undefined ? untilCheck : untilCheck === undefined ? untilOffline : Math.min(untilCheck, untilOffline);
    const woken = () => !!state.current || done() || checkRequested;
    if (delay === undefined || delay > 0) {
      const woke = delay === undefined ? (await condition(woken), true) : await condition(woken, delay);
      if (state.current || done()) return;
      if (woke ? !checkRequested : untilCheck === undefined || delay! < untilCheck) return; // the liveness deadline: looked at above
    }
    checkRequested = false;
    await checks.checkHealth();
  };
  const agentLiveness = () => isAgentCluster(state.spec) && patched('agent-liveness');

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
      if (!op && agentLiveness()) {
        await agentIdle();
        continue;
      }
      if (!op) {
        const delay = periodicChecks ? nextCheckDelay(state, Date.now()) : undefined;
        if (delay === undefined) {
          await condition(() => !!state.current || done());
        } else if (delay > 0 && (await condition(() => !!state.current || done() || checkRequested, delay)) && !(checkRequested && !state.current && !done())) {
          continue;
        } else {
          checkRequested = false;
          await checks.checkHealth();
        }
        continue;
      }
      // A terminated or timed-out operation never reports its end: look for that while it runs.
      const moved = await condition(() => state.current?.id !== op || done(), operationCheckDelay(state));
      if (!moved) await checks.checkOperation(op);
    }
  });
  await condition(allHandlersFinished);
  if (state.phase === 'Deleted') return state;
  return continueAsNew<typeof clusterEntity>({ spec: state.spec, state });
}

/**
 * The state to start from: the one carried over, or a new one from the spec. A malformed input
 * or an id other than `cluster/<name>` fails the entity at once, before it publishes anything.
 */
function startingState(input: unknown): ClusterState {
  const { state } = parseInput(ClusterEntityInputSchema, input, 'cluster entity input');
  if (state) {
    requireWorkflowId(clusterEntityId(state.spec.name), 'state.spec.name', state.spec.name);
    // The state as it came (not zod's copy), so a carried-over entity is exactly what it was.
    return (input as ClusterEntityInput).state!;
  }
  const spec = parseSpec((input as ClusterEntityInput).spec);
  requireWorkflowId(clusterEntityId(spec.name), 'spec.name', spec.name);
  return newClusterState(spec, now());
}

/** The line the Temporal UI shows for the entity. */
function details(state: ClusterState): string {
  const v = inventoryValues(state);
  const op = state.current ? `; ${state.current.type} ${state.current.id}: ${state.current.message ?? ''}` : '';
  const problem = state.checkProblem ? `; ${state.checkProblem.check} failing (${state.checkProblem.failures}x): ${state.checkProblem.message}` : '';
  return `**${state.phase}** ${state.spec.provider}/${state.spec.region} v${v.version || '?'}${op}${problem}`;
}

/** Whether a signal's payload has the shape the entity relies on; a malformed one is logged. */
function wellFormed(schema: z.ZodType, value: unknown, signal: string): boolean {
  const checked = checkInput(schema, value, `${signal} signal`);
  if (!checked.ok) log.warn(`${checked.message}: ignored`);
  return checked.ok;
}

function parseSpec(input: unknown) {
  return parseInput(ClusterSpecSchema, input, 'cluster spec', 'InvalidClusterSpec', 'spec');
}
