import { z } from 'zod';
import { durationSchema } from '../time/durations.js';
import { CallbackTargetSchema, CHANGE_EVENT_TYPES, TicketSchema } from './request.js';

/**
 * The input of the `changeCallbacks` workflow (started by the fleetChange workflow with id
 * callbacksWorkflowIdOf(changeId)) and the events it is signalled.
 */

const DAY_MS = 86_400_000;
const positive = (maxMs: number, maxText: string) => durationSchema(maxMs, maxText).refine((ms) => ms > 0, 'must be longer than 0s');

/**
 * How long and how often one delivery is retried. Defaults: the first retry after 1 s, doubling
 * up to one attempt every 10 minutes, for 24 hours (an outage of a change system over a
 * weekend night is covered; then the delivery is recorded as failed and the next event goes).
 */
export const DeliveryPolicySchema = z
  .object({
    initialInterval: positive(DAY_MS, '1d').prefault('1s'),
    backoffCoefficient: z.number().min(1, 'must be at least 1').max(10, 'must be at most 10').default(2),
    maximumInterval: positive(DAY_MS, '1d').prefault('10m'),
    /** Schedule-to-close of one delivery: after this it is given up and recorded as failed. */
    giveUpAfter: positive(7 * DAY_MS, '7d').prefault('24h'),
    /** One POST, connection to last byte of the answer. */
    requestTimeout: positive(60_000, '60s').prefault('10s'),
  })
  .strict();
export type DeliveryPolicy = z.output<typeof DeliveryPolicySchema>;

export const ChangeCallbacksInputSchema = z
  .object({
    changeId: z.string().min(1, 'must not be empty').max(300, 'must be at most 300 characters'),
    ticket: TicketSchema,
    targets: z.array(CallbackTargetSchema).min(1, 'must name at least one target').max(20, 'must name at most 20 targets'),
    delivery: DeliveryPolicySchema.prefault({}),
  })
  .strict();
export type ChangeCallbacksInput = z.input<typeof ChangeCallbacksInputSchema>;
export type ChangeCallbacksParsed = z.output<typeof ChangeCallbacksInputSchema>;

/** A ChangeEvent as the workflow checks it on receipt (a malformed one is dropped, not fatal). */
export const ChangeEventSchema = z
  .object({
    type: z.enum(CHANGE_EVENT_TYPES),
    at: z.iso.datetime({ offset: true }),
    data: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();
