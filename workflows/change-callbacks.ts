import { ActivityFailure, ApplicationFailure, condition, isCancellation, log, proxyActivities, setHandler, TemporalFailure, TimeoutFailure, workflowInfo } from '@temporalio/workflow';
import type { FleetActivities } from '../activities/index.js';
import type { DeliveryAttemptDetails } from '../activities/change-callbacks.js';
import { ChangeCallbacksInputSchema, ChangeEventSchema, type ChangeCallbacksInput } from '../src/domain/change/callbacks-input.js';
import {
  callbacksSummary,
  deliveryStatuses,
  eventBody,
  newCallbacksState,
  nextDelivery,
  receiveEvent,
  settleDelivery,
  targetDone,
  type CallbacksSummary,
  type DeliveryResult,
} from '../src/domain/change/deliveries.js';
import { callbacksWorkflowIdOf } from '../src/domain/change/request.js';
import { formatDuration } from '../src/domain/time/durations.js';
import { describeProblems, parseWith } from '../src/domain/validation.js';
import { changeEvent, getDeliveries } from '../src/temporal/messages/change.js';
import { callbackDeliveryOptions } from './activity-profiles.js';
import { parseInput, requireWorkflowId } from './operation-steps.js';
import { recordCallbackDelivery } from './telemetry.js';

/**
 * The callbacks of one change: takes its events by signal and delivers each to every target,
 * signed, at least once, in order per target. A delivery is one activity retried with backoff
 * for hours; one given up is recorded and the target goes on with its next event, so a dead
 * receiver never holds up the others or the change. Ends once the change's terminal event
 * was delivered or given up on every target. Decisions live in src/domain/change/deliveries.ts.
 */
export async function changeCallbacks(raw: ChangeCallbacksInput): Promise<CallbacksSummary> {
  const input = parseInput(ChangeCallbacksInputSchema, raw, 'callbacks input');
  requireWorkflowId(callbacksWorkflowIdOf(input.changeId), 'changeId', input.changeId);
  let state = newCallbacksState(input.targets, workflowInfo().firstExecutionRunId);

  setHandler(changeEvent, (event) => {
    // A signal cannot be refused; a malformed event is dropped rather than failing the workflow.
    const parsed = parseWith(ChangeEventSchema, event, 'event');
    if (!parsed.ok) {
      state = { ...state, dropped: state.dropped + 1 };
      log.warn(`dropped a malformed change event: ${describeProblems(parsed.problems)}`);
      return;
    }
    const received = receiveEvent(state, parsed.value);
    state = received.state;
    if (!received.receipt.taken) log.warn(`dropped a ${parsed.value.type} event: ${received.receipt.reason}`);
  }, { description: 'From the change: one event to deliver to every target, in order' });
  setHandler(getDeliveries, () => deliveryStatuses(state), { description: 'Each target: events delivered, pending and given up, with the last attempt' });

  const { deliverChangeEvent } = proxyActivities<FleetActivities>(callbackDeliveryOptions(input.delivery));
  const giveUpAfter = formatDuration(input.delivery.giveUpAfter);

  /** Delivers one target's events one after the other until the change has ended for it. */
  const deliverTo = async (target: number): Promise<void> => {
    const { url, secret } = input.targets[target]!;
    for (;;) {
      await condition(() => nextDelivery(state, target) !== undefined || targetDone(state, target));
      const event = nextDelivery(state, target);
      if (!event) return;
      let result: DeliveryResult;
      try {
        const r = await deliverChangeEvent({
          url,
          secret,
          webhookId: event.webhookId,
          body: eventBody(input.changeId, input.ticket, event),
          timeoutMs: input.delivery.requestTimeout,
        });
        result = { delivered: true, attempts: r.attempts, at: new Date().toISOString() };
      } catch (err) {
        if (isCancellation(err)) throw err;
        result = { delivered: false, ...givenUp(err, giveUpAfter), at: new Date().toISOString() };
      }
      recordCallbackDelivery(result.delivered);
      state = settleDelivery(state, event.seq, target, result);
    }
  };

  // Each target's loop ends only once the change has ended for it (callbacksDone).
  await Promise.all(input.targets.map((_, i) => deliverTo(i)));
  return callbacksSummary(state);
}

/** Why a delivery was given up, and after how many attempts, from its activity failure. */
function givenUp(err: unknown, giveUpAfter: string): { error: string; attempts?: number } {
  let timedOut = false;
  let last: ApplicationFailure | undefined;
  // ActivityFailure > [TimeoutFailure >] ApplicationFailure of the last attempt. When the next
  // retry would pass the give-up time, the server ends it with the last failure (retry state TIMEOUT).
  for (let e: unknown = err; e instanceof TemporalFailure; e = e.cause) {
    if (e instanceof TimeoutFailure || (e instanceof ActivityFailure && e.retryState === 'TIMEOUT')) timedOut = true;
    if (e instanceof ApplicationFailure) last = e;
  }
  const attempts = (last?.details?.[0] as DeliveryAttemptDetails | undefined)?.attempt;
  const why = last ? `${last.type ?? 'Error'}: ${last.message}` : err instanceof Error ? err.message : String(err);
  return { error: timedOut ? `gave up after ${giveUpAfter}: ${why}` : why, ...(attempts !== undefined ? { attempts } : {}) };
}
