import {
  ApplicationFailure,
  ChildWorkflowCancellationType,
  condition,
  getExternalWorkflowHandle,
  log,
  ParentClosePolicy,
  patched,
  setCurrentDetails,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { z } from 'zod';
import { ChangeEventSchema } from '../src/domain/change/callbacks-input.js';
import { OperationGateSchema } from '../src/domain/change/events.js';
import { checkInput } from '../src/domain/validation.js';
import { endBeforeRun, endFromFailure, endFromResult, operationWorkflowIdOf, type ChangeEnd } from '../src/domain/change/outcome.js';
import {
  auditNameOf,
  callbacksWorkflowIdOf,
  CHANGE_GATE,
  changeIdOf,
  ChangeRequestSchema,
  isStaged,
  OPERATION_WORKFLOW,
  type ChangeEvent,
  type ChangeRequest,
  type ChangeState,
  type ChangeView,
} from '../src/domain/change/request.js';
import { AbortSchema, ApproveSchema, type AbortInput, type ApproveInput } from '../src/domain/staged/operator.js';
import { formatDuration } from '../src/domain/time/durations.js';
import { operationMetadata, workflowLink } from '../src/domain/operation-metadata.js';
import { changeEvent, operationGate } from '../src/temporal/messages/change.js';
import { abortChange, approveChange, getChange } from '../src/temporal/messages/change-queries.js';
import { SA } from '../src/temporal/search-attributes.js';
import type { SearchAttributePair } from '@temporalio/common';
import { ticketAttributeOf } from '../src/domain/change/attributes.js';
import { parseInput, requireWorkflowId, rootFailure } from './operation-steps.js';
import { childFailureOf } from './stage-runner.js';

/** Malformed changeEvent/operationGate signals are dropped; before, they were passed on (or threw). */
const CHECKED_SIGNALS_PATCH = 'change-signals-checked';

/** What a change returns: how it ended, and the operation's own result when it ran. */
export interface ChangeResult {
  id: string;
  state: ChangeEnd['state'];
  message: string;
  operationResult?: unknown;
}

/**
 * One change opened through the API (id `change/<system>/<ticket>`): it runs the operation the
 * change names as a child, with the principal as `requestedBy`, and reports every state that
 * matters to the change's callbacks workflow (accepted, a gate waiting, a stage finished, the
 * end). A one-cluster change the policy gates (production) waits at gate "change:before" first;
 * a staged one gets its gates from the policy through `gatedEnvironments`/`prodEnvironments`
 * and reports its own gates and stages here. The change never fails because its operation
 * failed: it ends with that outcome (Failed, RolledBack, Aborted) and says why.
 */
export async function fleetChange(input: ChangeRequest): Promise<ChangeResult> {
  const req = parseInput(ChangeRequestSchema, input, 'change request');
  const id = workflowInfo().workflowId;
  requireWorkflowId(changeIdOf(req.ticket), 'ticket', `${req.ticket.system}/${req.ticket.id}`);
  const requestedBy = auditNameOf(req.requestedBy);
  const operationId = operationWorkflowIdOf(id, req.type, req.input);
  const view: ChangeView = {
    id,
    type: req.type,
    ticket: req.ticket,
    requestedBy,
    requestedAt: new Date().toISOString(),
    state: 'Accepted',
    operationWorkflowId: operationId,
    delegated: req.delegated,
    audit: [],
    ...(req.callbacks.length ? { callbacksWorkflowId: callbacksWorkflowIdOf(id) } : {}),
  };
  setHandler(getChange, () => view, { description: 'The change: state, gate, audit trail, outcome' });
  // The change, its operation and its callbacks all carry the ticket and the requester, so that
  // `FleetTicket = 'servicenow/CHG1'` finds every workflow of a ticket, however it was started.
  const marks = [
    { key: SA.ticket, value: ticketAttributeOf(req.ticket) },
    { key: SA.requestedBy, value: requestedBy },
  ];
  upsertSearchAttributes([...marks, { key: SA.changeType, value: req.type }]);
  const tagged = { typedSearchAttributes: marks, memo: { ticket: req.ticket, requestedBy } };

  const emit = await callbacks(req, id, tagged);
  const setState = (state: ChangeState, details: string) => {
    view.state = state;
    upsertSearchAttributes([{ key: SA.changeState, value: state }]);
    setCurrentDetails(`**${state}**: ${details}`);
  };
  emit({ type: 'accepted', at: view.requestedAt, data: { type: req.type, requestedBy, operationWorkflowId: operationId } });

  // A staged operation reports its gates and stages; they pass on to the callbacks as they come.
  // Anyone may signal by hand: a malformed signal is dropped (it threw here, and a task that
  // throws is retried forever). Only a malformed one asks for the patch, so every history of
  // well-formed signals is what it was; a malformed one that did not throw was passed on before.
  const malformed = (schema: z.ZodType, value: unknown, signal: string) => {
    const checked = checkInput(schema, value, `${signal} signal`);
    if (checked.ok || !patched(CHECKED_SIGNALS_PATCH)) return undefined;
    log.warn(`${checked.message}: dropped`);
    return true;
  };
  setHandler(changeEvent, (e: ChangeEvent) => {
    if (malformed(ChangeEventSchema, e, 'changeEvent')) return;
    if (e.type === 'waiting') view.waitingAt = { gate: String(e.data?.gate ?? ''), since: e.at };
    else if (e.type === 'stageFinished') delete view.waitingAt;
    emit(e);
  }, { description: "From the change's staged operation: a gate waits or a stage ended; passed on to the callbacks" });
  // ... and the gate it waits at, so that the change waits (WaitingForApproval) exactly while its operation does.
  setHandler(operationGate, (signal) => {
    if (malformed(OperationGateSchema, signal, 'operationGate')) return;
    const { gate, at } = signal;
    if (view.state !== 'Running' && view.state !== 'WaitingForApproval') return;
    if (gate) {
      view.waitingAt = { gate, since: at };
      setState('WaitingForApproval', `${OPERATION_WORKFLOW[req.type]} ${operationId} waits at gate ${gate}`);
    } else {
      delete view.waitingAt;
      setState('Running', `${OPERATION_WORKFLOW[req.type]} ${operationId}`);
    }
  }, { description: 'From the staged operation: the gate it waits at now ({"gate": "prod:before", "at": ISO time}), or none' });

  const refused = await gate(req.approval, view, setState, emit);
  const ended = refused ?? (await runOperation(req, operationId, requestedBy, id, setState, tagged));
  view.outcome = { state: ended.end.state, message: ended.end.message, at: new Date().toISOString(), ...(ended.end.type ? { type: ended.end.type } : {}) };
  delete view.waitingAt;
  emit({ type: ended.end.event, at: view.outcome.at, data: { message: ended.end.message, ...(ended.end.type ? { failureType: ended.end.type } : {}) } });
  setState(ended.end.state, ended.end.message);
  await emit.flush();
  return { id, state: ended.end.state, message: ended.end.message, ...(ended.result !== undefined ? { operationResult: ended.result } : {}) };
}

type Emit = ((e: ChangeEvent) => void) & { flush(): Promise<void> };
/** The search attributes and memo every workflow of a change carries. */
type Tagged = { typedSearchAttributes: SearchAttributePair[]; memo: Record<string, unknown> };

/**
 * Starts the change's callbacks workflow (abandoned when the change closes: deliveries go on
 * for hours after it) and returns what sends it an event. Events go one after another, so the
 * callbacks workflow receives them in the order they happened.
 */
async function callbacks(req: ReturnType<typeof ChangeRequestSchema.parse>, id: string, tagged: Tagged): Promise<Emit> {
  let chain: Promise<void> = Promise.resolve();
  const none = Object.assign(() => undefined, { flush: () => Promise.resolve() });
  if (!req.callbacks.length) return none;
  const workflowId = callbacksWorkflowIdOf(id);
  await startChild('changeCallbacks', {
    workflowId,
    args: [{ changeId: id, ticket: req.ticket, targets: req.callbacks }],
    parentClosePolicy: ParentClosePolicy.ABANDON,
    cancellationType: ChildWorkflowCancellationType.ABANDON,
    staticSummary: `callbacks of ${id}`,
    staticDetails: `Signed webhook deliveries of change ${workflowLink(id)} to ${req.callbacks.length} target(s); the query \`getDeliveries\` shows each.`,
    ...tagged,
  });
  const target = getExternalWorkflowHandle(workflowId);
  // A callbacks workflow that is gone (terminated by hand) must not fail the change.
  const send = (e: ChangeEvent) => void (chain = chain.then(() => target.signal(changeEvent, e)).catch(() => undefined));
  return Object.assign(send, { flush: () => chain });
}

/**
 * The gate of a one-cluster change: waits for `approve` (gate "change:before") or `abort`, at
 * most the approval timeout. Undefined when approved (or when the change has no gate);
 * otherwise how the change ended. The updates exist on every change, so that one without a
 * gate (or past it) refuses with a sentence rather than "no handler".
 */
async function gate(
  approval: ReturnType<typeof ChangeRequestSchema.parse>['approval'],
  view: ChangeView,
  setState: (s: ChangeState, details: string) => void,
  emit: Emit,
): Promise<{ end: ChangeEnd; result?: undefined } | undefined> {
  let decided: 'approved' | 'aborted' | undefined;
  const waiting = () => view.state === 'WaitingForApproval';
  const refuse = (why: string) => {
    throw ApplicationFailure.nonRetryable(why, 'OperatorActionRefused');
  };
  setHandler(approveChange, (a: ApproveInput) => {
    const { by, reason } = ApproveSchema.parse(a);
    view.audit.push({ at: new Date().toISOString(), action: 'approve', by, detail: CHANGE_GATE, ...(reason ? { reason } : {}) });
    decided = 'approved';
  }, {
    description: `Approve the change's gate: {"gate": "${CHANGE_GATE}", "by": "alice", "reason": "..."}`,
    // A malformed argument is refused as the staged operations' "approve" refuses it: InvalidInput, by path.
    validator: (a: ApproveInput) => {
      const { gate } = parseInput(ApproveSchema, a, 'approve request');
      if (gate !== CHANGE_GATE) refuse(`approve refused: this change has one gate, ${CHANGE_GATE}, not ${gate}`);
      if (!waiting()) refuse(`approve refused: the change is ${view.state}, not waiting for approval`);
    },
  });
  setHandler(abortChange, (a: AbortInput) => {
    const { by, reason } = AbortSchema.parse(a);
    view.audit.push({ at: new Date().toISOString(), action: 'abort', by, reason });
    decided = 'aborted';
  }, {
    description: 'Abandon the change before it runs: {"by": "alice", "reason": "..."}',
    validator: (a: AbortInput) => {
      parseInput(AbortSchema, a, 'abort request');
      if (!waiting()) refuse(`abort refused: the change is ${view.state}; a one-cluster operation cannot be stopped once it runs`);
    },
  });
  if (!approval) return undefined;
  const since = new Date().toISOString();
  view.waitingAt = { gate: CHANGE_GATE, since, reason: approval.reason };
  setState('WaitingForApproval', `gate ${CHANGE_GATE}: ${approval.reason}`);
  emit({ type: 'waiting', at: since, data: { gate: CHANGE_GATE, reason: approval.reason } });
  await condition(() => decided !== undefined, approval.timeout);
  delete view.waitingAt;
  if (decided === 'approved') return undefined;
  if (decided === 'aborted') {
    const last = view.audit[view.audit.length - 1]!;
    return { end: endBeforeRun('Aborted', `aborted by ${last.by} before it ran: ${last.reason ?? ''}`) };
  }
  return { end: endBeforeRun('Failed', `gate ${CHANGE_GATE} was not approved within ${formatDuration(approval.timeout)}; nothing ran`, 'ApprovalTimedOut') };
}

/** Runs the operation as a child under its own id and turns its end into the change's. */
async function runOperation(
  req: ReturnType<typeof ChangeRequestSchema.parse>,
  operationId: string,
  requestedBy: string,
  changeId: string,
  setState: (s: ChangeState, details: string) => void,
  tagged: Tagged,
): Promise<{ end: ChangeEnd; result?: unknown }> {
  const staged = isStaged(req.type);
  // The principal is the requester whatever the input said; a staged operation also learns the
  // policy's gated environments and reports to this change.
  const link = staged
    ? req.type === 'fleetDecommission'
      ? { changeId, prodEnvironments: req.prodEnvironments }
      : { changeId, gatedEnvironments: req.prodEnvironments }
    : {};
  const args = { ...req.input, requestedBy, ...link };
  setState('Running', `${OPERATION_WORKFLOW[req.type]} ${operationId}`);
  try {
    const child = await startChild(OPERATION_WORKFLOW[req.type], {
      workflowId: operationId,
      args: [args],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      cancellationType: ChildWorkflowCancellationType.ABANDON,
      ...operationMetadata(OPERATION_WORKFLOW[req.type], args, `${req.type} for ${req.ticket.system}/${req.ticket.id}, requested by ${requestedBy}`, [`Run for change ${workflowLink(changeId)}.`]),
      ...tagged,
    });
    const result = await child.result();
    return { end: endFromResult(result), result };
  } catch (err) {
    if (err instanceof Error && err.name === 'WorkflowExecutionAlreadyStartedError') {
      return { end: endFromFailure(`${operationId} is already running (started outside this change); nothing was started`, 'ClusterBusy', undefined) };
    }
    const top = childFailureOf(err);
    const root = rootFailure(err);
    const details = top instanceof ApplicationFailure ? top.details?.[0] : undefined;
    return { end: endFromFailure(top instanceof ApplicationFailure ? top.message : root.message, top instanceof ApplicationFailure && top.type ? top.type : root.type, details) };
  }
}
