import { describe, expect, it } from 'vitest';
import { ChangeCallbacksInputSchema } from '../../src/domain/change/callbacks-input.js';
import {
  callbacksDone,
  callbacksSummary,
  deliveryStatuses,
  eventBody,
  MAX_EVENTS,
  newCallbacksState,
  nextDelivery,
  receiveEvent,
  settleDelivery,
  targetDone,
  webhookIdOf,
  type CallbacksState,
} from '../../src/domain/change/deliveries.js';
import type { CallbackTarget, ChangeEvent, ChangeEventType } from '../../src/domain/change/request.js';
import { describeProblems, parseWith } from '../../src/domain/validation.js';

const RUN = '0196a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
const AT = '2026-05-01T10:00:00.000Z';
const sn: CallbackTarget = { url: 'https://acme.service-now.com/hook', secret: 'sn' };
const audit: CallbackTarget = { url: 'https://audit.example.com/hook', secret: 'audit', events: ['succeeded', 'failed'] };
const ev = (type: ChangeEventType, data: Record<string, unknown> = {}): ChangeEvent => ({ type, at: AT, data });

/** The state after receiving `types` in order. */
function received(targets: CallbackTarget[], types: ChangeEventType[]): CallbacksState {
  return types.reduce((s, t) => receiveEvent(s, ev(t)).state, newCallbacksState(targets, RUN));
}
const delivered = { delivered: true as const, attempts: 1, at: AT };
const gaveUp = { delivered: false as const, attempts: 9, error: 'gave up after 24h: CallbackRejected: the receiver answered HTTP 500', at: AT };

describe('webhook ids', () => {
  it('are msg_, the first run id without dashes, and the sequence number', () => {
    expect(webhookIdOf(RUN, 3)).toBe('msg_0196a1b2c3d47e5f8a9b0c1d2e3f4a5b_3');
  });
  it('differ between two executions of the same change id (a ticket opened again)', () => {
    expect(webhookIdOf(RUN, 1)).not.toBe(webhookIdOf('0196a1b2-0000-7e5f-8a9b-0c1d2e3f4a5b', 1));
  });
});

describe('receiving events', () => {
  it('numbers events from 1 and queues one delivery per target that wants the type', () => {
    const s = received([sn, audit], ['accepted', 'waiting', 'succeeded']);
    expect(s.events.map((e) => [e.seq, e.type, e.webhookId])).toEqual([
      [1, 'accepted', webhookIdOf(RUN, 1)],
      [2, 'waiting', webhookIdOf(RUN, 2)],
      [3, 'succeeded', webhookIdOf(RUN, 3)],
    ]);
    // The audit subscriber wants only the end.
    expect(deliveryStatuses(s).map((d) => `${d.seq}:${d.target}:${d.state}`)).toEqual(['1:0:pending', '2:0:pending', '3:0:pending', '3:1:pending']);
  });

  it.each([
    // why each case
    ['an event after the terminal one (the change already ended)', ['accepted', 'failed'], 'aborted', 'the change already ended (event 2 was failed)'],
    ['a second terminal event', ['succeeded'], 'failed', 'the change already ended (event 1 was succeeded)'],
  ] as const)('drops %s', (_why, before, type, reason) => {
    const s = received([sn], [...before]);
    const r = receiveEvent(s, ev(type));
    expect(r.receipt).toEqual({ taken: false, reason });
    expect(r.state.events).toHaveLength(before.length);
    expect(r.state.dropped).toBe(1);
  });

  it(`takes at most ${MAX_EVENTS - 1} events before the end, and always the terminal event`, () => {
    const s = received([sn], Array.from({ length: MAX_EVENTS + 5 }, () => 'stageFinished' as const));
    expect(s.events).toHaveLength(MAX_EVENTS - 1);
    expect(s.dropped).toBe(6);
    const end = receiveEvent(s, ev('rolledBack'));
    expect(end.receipt).toMatchObject({ taken: true, event: { seq: MAX_EVENTS, type: 'rolledBack' } });
    expect(end.state.terminalSeq).toBe(MAX_EVENTS);
  });
});

describe('what to deliver next, per target', () => {
  it('is the oldest pending event: n+1 only once n was delivered or given up', () => {
    let s = received([sn], ['accepted', 'waiting', 'stageFinished']);
    expect(nextDelivery(s, 0)?.seq).toBe(1);
    s = settleDelivery(s, 1, 0, delivered);
    expect(nextDelivery(s, 0)?.seq).toBe(2);
    // Given up: the next event goes all the same.
    s = settleDelivery(s, 2, 0, gaveUp);
    expect(nextDelivery(s, 0)?.seq).toBe(3);
  });

  it('keeps targets independent: one stuck target does not hold the other', () => {
    let s = received([sn, { ...sn, url: 'https://b.example.com/' }], ['accepted', 'waiting']);
    s = settleDelivery(s, 1, 1, delivered);
    expect([nextDelivery(s, 0)?.seq, nextDelivery(s, 1)?.seq]).toEqual([1, 2]);
  });

  it('skips the events a subscriber did not ask for', () => {
    const s = received([audit], ['accepted', 'waiting', 'stageFinished', 'failed']);
    expect(nextDelivery(s, 0)?.type).toBe('failed');
  });

  it('refuses to settle a delivery twice (an activity result counted twice would be a bug)', () => {
    const s = settleDelivery(received([sn], ['accepted']), 1, 0, delivered);
    expect(() => settleDelivery(s, 1, 0, delivered)).toThrow('delivery of event 1 to target 0 already ended');
  });
});

describe('when the callbacks are done', () => {
  it.each([
    // why each case
    ['no event yet', [], [], false],
    ['events but no terminal one, all delivered', ['accepted', 'waiting'], [[1, 0], [2, 0], [1, 1], [2, 1]], false],
    ['the terminal event received but not delivered to one target', ['accepted', 'succeeded'], [[1, 0], [2, 0], [1, 1]], false],
    ['the terminal event settled on every target', ['accepted', 'succeeded'], [[1, 0], [2, 0], [1, 1], [2, 1]], true],
  ] as const)('%s', (_why, types, settled, done) => {
    const targets = [sn, { ...sn, url: 'https://b.example.com/' }];
    const s = settled.reduce((st, [seq, t]) => settleDelivery(st, seq, t, delivered), received(targets, [...types]));
    expect(callbacksDone(s)).toBe(done);
  });

  it('counts a subscriber that wants none of the events as done once the change ended', () => {
    const s = received([{ ...audit, events: ['rolledBack'] }], ['accepted', 'succeeded']);
    expect([targetDone(s, 0), callbacksDone(s)]).toEqual([true, true]);
  });
});

describe('delivery statuses and the summary', () => {
  it('show each delivery with its webhook id, url, attempts, last error and time', () => {
    let s = received([sn, audit], ['accepted', 'failed']);
    s = settleDelivery(s, 1, 0, { delivered: true, attempts: 4, at: '2026-05-01T10:01:00.000Z' });
    s = settleDelivery(s, 2, 1, { ...gaveUp, at: '2026-05-02T10:00:00.000Z' });
    expect(deliveryStatuses(s)).toEqual([
      { webhookId: webhookIdOf(RUN, 1), seq: 1, type: 'accepted', target: 0, url: sn.url, state: 'delivered', attempts: 4, deliveredAt: '2026-05-01T10:01:00.000Z' },
      { webhookId: webhookIdOf(RUN, 2), seq: 2, type: 'failed', target: 0, url: sn.url, state: 'pending' },
      { webhookId: webhookIdOf(RUN, 2), seq: 2, type: 'failed', target: 1, url: audit.url, state: 'failed', attempts: 9, lastError: gaveUp.error, failedAt: '2026-05-02T10:00:00.000Z' },
    ]);
    expect(callbacksSummary(s)).toEqual({ events: 2, delivered: 1, failed: 1, dropped: 0 });
  });

  it('builds one body per event: type, change, ticket, seq, time and data', () => {
    const s = received([sn], ['waiting']);
    const body = eventBody('change/servicenow/CHG1', { system: 'servicenow', id: 'CHG1' }, { ...s.events[0]!, data: { gate: 'prod:before' } });
    expect(JSON.parse(body)).toEqual({ type: 'waiting', changeId: 'change/servicenow/CHG1', ticket: { system: 'servicenow', id: 'CHG1' }, seq: 1, at: AT, data: { gate: 'prod:before' } });
  });
});

describe('the callbacks workflow input', () => {
  const base = { changeId: 'change/servicenow/CHG1', ticket: { system: 'servicenow', id: 'CHG1' }, targets: [sn] };

  it('defaults the delivery policy to hours of backoff', () => {
    expect(ChangeCallbacksInputSchema.parse(base).delivery).toEqual({
      initialInterval: 1_000,
      backoffCoefficient: 2,
      maximumInterval: 600_000,
      giveUpAfter: 86_400_000,
      requestTimeout: 10_000,
    });
  });

  it.each([
    // why each case
    ['no target', { ...base, targets: [] }, 'targets: must name at least one target'],
    ['a secret value where its name belongs is still only a name, but too long', { ...base, targets: [{ url: sn.url, secret: 'x'.repeat(101) }] }, 'targets[0].secret: Too big: expected string to have <=100 characters'],
    ['a zero give-up time', { ...base, delivery: { giveUpAfter: '0s' } }, 'delivery.giveUpAfter: must be longer than 0s'],
    ['a give-up time past a week', { ...base, delivery: { giveUpAfter: '8d' } }, 'delivery.giveUpAfter: must be at most 7d'],
    ['a request timeout in bare seconds', { ...base, delivery: { requestTimeout: 10 } }, 'delivery.requestTimeout: Invalid input: expected string, received number'],
  ])('refuses %s', (_why, input, problems) => {
    const parsed = parseWith(ChangeCallbacksInputSchema, input, '');
    expect(parsed.ok ? '' : describeProblems(parsed.problems)).toBe(problems);
  });
});
