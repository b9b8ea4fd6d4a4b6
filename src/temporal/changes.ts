import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client, type WorkflowExecutionDescription, type WorkflowHandle } from '@temporalio/client';
import type { QueryDefinition, SearchAttributePair } from '@temporalio/common';
import { CHANGE_STATES, changeIdOf, isStaged, OPERATION_WORKFLOW, type ChangeRequest, type ChangeState, type ChangeView, type Ticket } from '../domain/change/request.js';
import { ticketAttributeOf } from '../domain/change/attributes.js';
import { operationWorkflowIdOf } from '../domain/change/outcome.js';
import { changeMetadata } from '../domain/operation-metadata.js';
import type { DeliveryStatus } from '../domain/change/deliveries.js';
import type { ScopeRecord } from '../domain/change/scope.js';
import type { ChangeType } from '../domain/auth/policy.js';
import { getDeliveries } from './messages/change.js';
import { getChange } from './messages/change-queries.js';
import { getDecommissionProgress, getRolloutProgress, getWaveProgress } from './messages/staged.js';
import { readStagedProgress } from './staged-progress.js';
import { sharedQuery } from './shared-query.js';
import { SA } from './search-attributes.js';

/**
 * Client-side helpers of changes (the `fleetChange` workflows the API starts): start one per
 * ticket exactly once, read one with its operation's progress and its callbacks' deliveries
 * (listing them is change-list.ts).
 */

/** The workflow type of a change. */
export const CHANGE_WORKFLOW_TYPE = 'fleetChange';

/** The state a change is listed in until its workflow reports one. */
export const FIRST_STATE: ChangeState = 'Accepted';

/**
 * What the starter writes in a change's memo: who opened it and with which input (its hash),
 * the start request that created it (`createdBy`, a nonce), and what it acts on (`scope`), so
 * that later requests on the change are authorized on the ground it was opened on.
 */
export interface ChangeMemo {
  ticket: Ticket;
  requestedBy: string;
  inputHash: string;
  createdBy: string;
  scope?: ScopeRecord;
  /** Its gates are approved by the change system that opened it (`approval: { by: "change-system" }`). */
  delegated?: boolean;
}

/** The outcome of startChange: whether this request created the change, and its run. */
export interface StartedChange {
  created: boolean;
  /** The workflow id, `change/<system>/<id>`. */
  id: string;
  firstRunId: string;
  memo: ChangeMemo;
}

/**
 * Starts the change of `request.ticket` unless it exists. The workflow id is the ticket's, the
 * conflict policy USE_EXISTING returns the running change, and REJECT_DUPLICATE keeps a closed
 * change from ever running again; which request created it is told by the memo's nonce, so
 * concurrent requests for one ticket start one workflow and exactly one of them learns
 * `created: true`.
 */
export async function startChange(
  client: Client,
  opts: { request: ChangeRequest; nonce: string; taskQueue: string; scope?: ScopeRecord },
): Promise<StartedChange> {
  const { request, nonce } = opts;
  const id = changeIdOf(request.ticket);
  const requestedBy = `${request.requestedBy.kind}:${request.requestedBy.subject}`;
  const memo: ChangeMemo = { ticket: request.ticket, requestedBy, inputHash: request.inputHash, createdBy: nonce, ...(opts.scope ? { scope: opts.scope } : {}), ...(request.delegated ? { delegated: true } : {}) };
  const attributes: SearchAttributePair[] = [
    { key: SA.ticket, value: ticketAttributeOf(request.ticket) },
    { key: SA.requestedBy, value: requestedBy },
    { key: SA.changeType, value: request.type },
    { key: SA.changeState, value: FIRST_STATE },
  ];
  try {
    await client.workflow.start(CHANGE_WORKFLOW_TYPE, {
      workflowId: id,
      taskQueue: opts.taskQueue,
      args: [request],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      memo: { ...memo },
      typedSearchAttributes: attributes,
      ...changeMetadata(request, OPERATION_WORKFLOW[request.type], operationWorkflowIdOf(id, request.type, request.input), requestedBy),
    });
  } catch (err) {
    // A closed change of this ticket: it exists, and is never run again.
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
  const desc = await client.workflow.getHandle(id).describe();
  const stored = memoOf(desc.memo);
  return { created: stored?.createdBy === nonce, id, firstRunId: desc.raw.workflowExecutionInfo?.firstRunId || desc.runId, memo: stored ?? memo };
}

/** A change's memo, or undefined when the workflow carries none (not started by the API). */
export function memoOf(raw: Record<string, unknown> | undefined): ChangeMemo | undefined {
  if (!raw || typeof raw.inputHash !== 'string' || typeof raw.createdBy !== 'string') return undefined;
  return raw as unknown as ChangeMemo;
}

/** Everything the API reports about one change. */
export interface ChangeRecord {
  view: ChangeView;
  memo: ChangeMemo | undefined;
  /** The staged operation's progress query (getWaveProgress, getRolloutProgress, getDecommissionProgress). */
  progress?: unknown;
  /** The callbacks workflow's delivery status, when the change has callbacks. */
  deliveries?: DeliveryStatus[];
  /** The workflow's own status: RUNNING, COMPLETED, FAILED ... */
  status: string;
  runId: string;
  /** The view was rebuilt from the start's record (memo, search attributes): the workflow did not answer. */
  recorded?: true;
}

const PROGRESS: Record<string, QueryDefinition<unknown>> = { upgradeWave: getWaveProgress, rollout: getRolloutProgress, fleetDecommission: getDecommissionProgress };

/**
 * The change of workflow id `id` (`change/<system>/<id>`), or undefined when there is none.
 * With `answerWithin`, a change that does not answer its query in that many ms (no worker, or a
 * busy one) is reported from what its start recorded instead (`recorded: true`), rather than
 * waiting on it.
 */
export async function readChange(client: Client, id: string, opts: { answerWithin?: number; mayNotExist?: boolean } = {}): Promise<ChangeRecord | undefined> {
  const handle = client.workflow.getHandle(id);
  // The query goes out with the describe (one round trip less on every read); its answer is
  // used only once the describe says the workflow is a change. A caller that expects no change
  // yet (a POST looking for a repeat) asks only after the describe found one.
  const early = opts.mayNotExist ? undefined : askView(client, handle, opts.answerWithin);
  let desc: WorkflowExecutionDescription;
  try {
    desc = await handle.describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
  if (desc.type !== CHANGE_WORKFLOW_TYPE) return undefined;
  let asked = early ? await early : await askView(client, handle, opts.answerWithin);
  // Asked (or joined a query asked) before the change was started: ask again now that it exists.
  if ('error' in asked && asked.error instanceof WorkflowNotFoundError) asked = await askView(client, handle, opts.answerWithin);
  const queried = queryView(asked, desc);
  if ('recorded' in queried) return { view: queried.recorded, memo: memoOf(desc.memo), status: desc.status.name, runId: desc.runId, recorded: true };
  const view = queried.view;
  const [progress, deliveries] = await Promise.all([progressOf(client, view), deliveriesOf(client, view)]);
  return {
    view,
    memo: memoOf(desc.memo),
    ...(progress !== undefined ? { progress } : {}),
    ...(deliveries ? { deliveries } : {}),
    status: desc.status.name,
    runId: desc.runId,
  };
}

/** How a change whose workflow closed without ever answering ended (terminated before its first task, say). */
const CLOSED_STATES: Record<string, ChangeState> = { TERMINATED: 'Aborted', CANCELLED: 'Aborted', FAILED: 'Failed', TIMED_OUT: 'Failed' };

/** The workflow did not answer within the time a caller was willing to wait. */
class NoAnswerInTime extends Error {
  override name = 'NoAnswerInTime';
}

/**
 * The answer of a shared query, or NoAnswerInTime after `ms`. The query itself goes on for the
 * callers that wait longer (its own deadline would end it for every caller sharing it).
 */
async function withinMs<T>(answer: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new NoAnswerInTime(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([answer, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The change's answer to getChange, or why there is none. */
type Asked = { view: ChangeView } | { error: unknown };

/** Asks the change for its view (one query shared by concurrent callers; within `answerWithin` ms when given); never rejects. */
function askView(client: Client, handle: WorkflowHandle, answerWithin?: number): Promise<Asked> {
  const asked = sharedQuery(client, handle.workflowId, getChange);
  const query = answerWithin === undefined ? asked : withinMs(asked, answerWithin);
  return query.then((view) => ({ view }), (error: unknown) => ({ error }));
}

/**
 * The change's own answer (getChange), or its view rebuilt from what its starter wrote (memo,
 * search attributes): when the workflow closed before it ever ran a task (it cannot answer a
 * query then), or when it did not answer within `answerWithin` ms.
 */
function queryView(asked: Asked, desc: WorkflowExecutionDescription): { view: ChangeView } | { recorded: ChangeView } {
  if ('view' in asked) return { view: asked.view };
  const err = asked.error;
  const memo = memoOf(desc.memo);
  const closed = desc.status.name !== 'RUNNING';
  if (!memo || (!closed && !(err instanceof NoAnswerInTime))) throw err;
  const recorded = desc.typedSearchAttributes.get(SA.changeState);
  const asRecorded = (CHANGE_STATES as readonly string[]).includes(recorded ?? '') ? (recorded as ChangeState) : FIRST_STATE;
  const state = closed ? (CLOSED_STATES[desc.status.name] ?? asRecorded) : asRecorded;
  return {
    recorded: {
      id: desc.workflowId,
      type: desc.typedSearchAttributes.get(SA.changeType) as ChangeType,
      ticket: memo.ticket,
      requestedBy: memo.requestedBy,
      requestedAt: desc.startTime.toISOString(),
      state,
      operationWorkflowId: '',
      delegated: memo.delegated === true,
      audit: [],
      ...(closed
        ? { outcome: { state, message: `the change's workflow was ${desc.status.name.toLowerCase().replace('_', ' ')} before it ran`, at: (desc.closeTime ?? desc.startTime).toISOString() } }
        : {}),
    },
  };
}

/** The staged operation's progress; undefined for one-cluster changes and before the operation runs. */
async function progressOf(client: Client, view: ChangeView): Promise<unknown> {
  if (!isStaged(view.type) || !view.operationWorkflowId) return undefined;
  const query = PROGRESS[view.type]!;
  try {
    const p = (await sharedQuery(client, view.operationWorkflowId, query)) as { clusterPages?: unknown };
    // Past 1,000 clusters the per-cluster list comes by page (the API answers with all of them).
    return p?.clusterPages ? await readStagedProgress(client.workflow.getHandle(view.operationWorkflowId), query as QueryDefinition<object>) : p;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}

/** The callbacks' delivery status; undefined when the change has none. */
async function deliveriesOf(client: Client, view: ChangeView): Promise<DeliveryStatus[] | undefined> {
  if (!view.callbacksWorkflowId) return undefined;
  try {
    return await sharedQuery(client, view.callbacksWorkflowId, getDeliveries);
  } catch (err) {
    // Started by the change's first task: a change read before then has no callbacks workflow yet.
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}
