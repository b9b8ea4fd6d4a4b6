import { TERMINAL_EVENTS, type CallbackTarget, type ChangeEvent, type ChangeEventType, type Ticket } from './request.js';

/**
 * The callbacks of one change as pure decisions over a small state: each event gets a sequence
 * number and a webhook id on receipt; each target takes the events it wants strictly in order,
 * one at a time (event n+1 goes to a target only once event n was delivered to it or given
 * up); targets do not wait for each other. The workflow (workflows/change-callbacks.ts) only
 * runs what these functions decide.
 */

/**
 * At most this many events per change; further non-terminal events are dropped (and counted),
 * the terminal event is always taken. With at most 20 targets that is 4,000 deliveries, about
 * 25,000 history events: under Temporal's 51,200 limit, so the workflow needs no continue-as-new.
 * A rollout of 20 stages sends about 45 events.
 */
export const MAX_EVENTS = 200;

export type DeliveryState = 'pending' | 'delivered' | 'failed';

/** One event x target, as the `getDeliveries` query answers it. */
export interface DeliveryStatus {
  /** The `webhook-id` header: the same at every attempt, so receivers can drop duplicates. */
  webhookId: string;
  seq: number;
  type: ChangeEventType;
  /** Index of the target in the workflow's input. */
  target: number;
  url: string;
  state: DeliveryState;
  /** Attempts made; known once the delivery ended (retries run on the server meanwhile). */
  attempts?: number;
  /** The last attempt's error, when the delivery was given up. */
  lastError?: string;
  deliveredAt?: string;
  failedAt?: string;
}

/** An event as received: its sequence number and webhook id fixed once and for all. */
export interface ReceivedEvent extends ChangeEvent {
  seq: number;
  webhookId: string;
}

interface Delivery {
  seq: number;
  target: number;
  state: DeliveryState;
  attempts?: number;
  lastError?: string;
  at?: string;
}

export interface CallbacksState {
  targets: readonly CallbackTarget[];
  /** The run id part of every webhook id (see webhookIdOf). */
  idBase: string;
  events: ReceivedEvent[];
  deliveries: Delivery[];
  /** Events not taken: past MAX_EVENTS, or after the terminal event. */
  dropped: number;
  terminalSeq?: number;
}

/**
 * The webhook id of event `seq`: `msg_<first run id>_<seq>`. The change id alone would not do:
 * a ticket's change can be opened again once its workflow closed, and receivers keep the ids
 * they saw to drop duplicates. The first run id is fixed for the execution (and kept by a reset).
 */
export function webhookIdOf(firstRunId: string, seq: number): string {
  return `msg_${firstRunId.replace(/[^A-Za-z0-9]/g, '')}_${seq}`;
}

export function newCallbacksState(targets: readonly CallbackTarget[], firstRunId: string): CallbacksState {
  return { targets, idBase: firstRunId, events: [], deliveries: [], dropped: 0 };
}

const wants = (t: CallbackTarget, type: ChangeEventType) => !t.events || t.events.includes(type);

export type Receipt = { taken: true; event: ReceivedEvent } | { taken: false; reason: string };

/** Takes an event: numbers it and queues one delivery per target that wants its type. */
export function receiveEvent(state: CallbacksState, event: ChangeEvent): { state: CallbacksState; receipt: Receipt } {
  const drop = (reason: string) => ({ state: { ...state, dropped: state.dropped + 1 }, receipt: { taken: false as const, reason } });
  if (state.terminalSeq !== undefined) return drop(`the change already ended (event ${state.terminalSeq} was ${state.events[state.terminalSeq - 1]!.type})`);
  const terminal = TERMINAL_EVENTS.includes(event.type);
  // The last slot is kept for the terminal event, which ends the workflow.
  if (!terminal && state.events.length >= MAX_EVENTS - 1) return drop(`more than ${MAX_EVENTS - 1} events before the end of the change`);
  const seq = state.events.length + 1;
  const received: ReceivedEvent = { type: event.type, at: event.at, data: event.data, seq, webhookId: webhookIdOf(state.idBase, seq) };
  const added = state.targets.flatMap((t, target) => (wants(t, event.type) ? [{ seq, target, state: 'pending' as const }] : []));
  return {
    state: { ...state, events: [...state.events, received], deliveries: [...state.deliveries, ...added], ...(terminal ? { terminalSeq: seq } : {}) },
    receipt: { taken: true, event: received },
  };
}

/** The event to deliver to `target` now: its oldest one not yet delivered or given up. */
export function nextDelivery(state: CallbacksState, target: number): ReceivedEvent | undefined {
  const d = state.deliveries.find((x) => x.target === target && x.state === 'pending');
  return d ? state.events[d.seq - 1] : undefined;
}

/** How one delivery ended. */
export type DeliveryResult = { delivered: true; attempts: number; at: string } | { delivered: false; attempts?: number; error: string; at: string };

/** Records how the delivery of `seq` to `target` ended. */
export function settleDelivery(state: CallbacksState, seq: number, target: number, result: DeliveryResult): CallbacksState {
  const deliveries = state.deliveries.map((d): Delivery => {
    if (d.seq !== seq || d.target !== target) return d;
    if (d.state !== 'pending') throw new Error(`delivery of event ${seq} to target ${target} already ended`);
    return result.delivered
      ? { seq, target, state: 'delivered', attempts: result.attempts, at: result.at }
      : { seq, target, state: 'failed', ...(result.attempts !== undefined ? { attempts: result.attempts } : {}), lastError: result.error, at: result.at };
  });
  return { ...state, deliveries };
}

/** True once the change ended and `target` has nothing left to deliver. */
export function targetDone(state: CallbacksState, target: number): boolean {
  return state.terminalSeq !== undefined && nextDelivery(state, target) === undefined;
}

/** True once the terminal event was delivered or given up on every target that wants it. */
export function callbacksDone(state: CallbacksState): boolean {
  return state.targets.every((_, i) => targetDone(state, i));
}

/** Every delivery, by event then target. */
export function deliveryStatuses(state: CallbacksState): DeliveryStatus[] {
  return [...state.deliveries]
    .sort((a, b) => a.seq - b.seq || a.target - b.target)
    .map((d) => {
      const e = state.events[d.seq - 1]!;
      return {
        webhookId: e.webhookId,
        seq: d.seq,
        type: e.type,
        target: d.target,
        url: state.targets[d.target]!.url,
        state: d.state,
        ...(d.attempts !== undefined ? { attempts: d.attempts } : {}),
        ...(d.lastError !== undefined ? { lastError: d.lastError } : {}),
        ...(d.state === 'delivered' ? { deliveredAt: d.at } : {}),
        ...(d.state === 'failed' ? { failedAt: d.at } : {}),
      };
    });
}

/** What the workflow returns when it ends. */
export interface CallbacksSummary {
  events: number;
  delivered: number;
  failed: number;
  dropped: number;
}

export function callbacksSummary(state: CallbacksState): CallbacksSummary {
  const count = (s: DeliveryState) => state.deliveries.filter((d) => d.state === s).length;
  return { events: state.events.length, delivered: count('delivered'), failed: count('failed'), dropped: state.dropped };
}

/** The JSON body of an event: the same bytes at every attempt and for every target. */
export function eventBody(changeId: string, ticket: Ticket, e: ReceivedEvent): string {
  return JSON.stringify({ type: e.type, changeId, ticket, seq: e.seq, at: e.at, data: e.data });
}
