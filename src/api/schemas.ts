import { z } from '@hono/zod-openapi';
import { CHANGE_ACTIONS, CHANGE_TYPES, type ChangeType } from '../domain/auth/policy.js';
import { ClusterNameSchema } from '../domain/cluster/spec.js';
import { CHANGE_EVENT_TYPES, CHANGE_STATES, IDEMPOTENCY_SYSTEM, OPERATION_INPUT, TicketSchema } from '../domain/change/request.js';
import { FAILURE_TYPES } from '../domain/failure-types.js';
import { PROBLEM_BASE } from './problem.js';

/**
 * The request and response schemas of the API. A change's `input` is the very schema its
 * workflow validates with (OPERATION_INPUT), so the API refuses what the workflow would, with
 * the same messages, and the OpenAPI document describes exactly that.
 */

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

// Domain schemas take their OpenAPI names and descriptions through zod's own .meta(): they may be
// built before @hono/zod-openapi adds .openapi() to zod, and then have no such method.
export const TicketRef = TicketSchema.meta({
  id: 'Ticket',
  description: 'The change ticket in the change system (ServiceNow CHG0031337, a Jira issue). It names the change: one change per ticket.',
  example: { system: 'servicenow', id: 'CHG0031337', url: 'https://example.service-now.com/change_request.do?sys_id=1' },
});

/** `approval: { by: "change-system" }`: the change's gate waits for the change system's own approval. */
export const DelegationSchema = z
  .object({ by: z.literal('change-system', { error: 'must be "change-system"' }) })
  .strict()
  .openapi('ApprovalDelegation', {
    description:
      "Delegates the change's approval gate to the change system: the principal that opened the change approves it through POST .../approve (e.g. at ServiceNow's Implement transition); nobody else may.",
  });

const CallbackUrl = z
  .url({ protocol: /^https?$/, error: 'must be an absolute http(s) URL' })
  .max(2000, 'must be at most 2000 characters')
  .openapi({ description: 'Where the change POSTs its events (signed per Standard Webhooks), beside the configured subscribers.' });

/** The body of POST /v1/changes for one type. */
function openBodyOf<T extends ChangeType>(type: T) {
  return z
    .object({
      type: z.literal(type),
      ticket: TicketRef.optional().meta({ description: `Required unless an Idempotency-Key header is given (the change is then named ${IDEMPOTENCY_SYSTEM}/<key>).` }),
      input: OPERATION_INPUT[type].meta({ description: `The input of the ${type} operation: the schema its workflow validates with. requestedBy is set by the API to the authenticated principal.` }),
      callbackUrl: CallbackUrl.optional(),
      approval: DelegationSchema.optional(),
    })
    .strict()
    .openapi(`Open${capital(type)}Change`);
}

const OPEN_BODIES = CHANGE_TYPES.map(openBodyOf) as unknown as [ReturnType<typeof openBodyOf<'provision'>>, ...ReturnType<typeof openBodyOf<ChangeType>>[]];

/** The body of POST /v1/changes: one shape per change type, told apart by `type`. */
export const OpenChangeSchema = z
  .discriminatedUnion('type', OPEN_BODIES, { error: `must be one of: ${CHANGE_TYPES.join(', ')}` })
  .openapi('OpenChange', { description: 'A change to open. `type` chooses the operation and so the schema of `input`.' });
export type OpenChange = z.output<typeof OpenChangeSchema>;

export const IdempotencyHeaders = z.object({
  'Idempotency-Key': z
    .string()
    .optional()
    .openapi({
      param: { name: 'Idempotency-Key', in: 'header' },
      description: `For callers without a ticket: names the change as ticket ${IDEMPOTENCY_SYSTEM}/<key> (letters, digits, ".", "_", "-"; at most 100). Ignored when the body has a ticket.`,
      example: '6f1c2d1e-9a47-4d52-9a57-0a3c8f3f2b11',
    }),
});

const Timestamp = z.string().openapi({ format: 'date-time' });

const AuditEntrySchema = z
  .object({ at: Timestamp, action: z.string(), by: z.string(), reason: z.string().optional(), detail: z.string().optional() })
  .openapi('AuditEntry', { description: 'One accepted operator action; `by` is the authenticated principal.' });

const AnyObject = z.record(z.string(), z.unknown());

const DeliverySchema = z
  .object({
    webhookId: z.string().openapi({ description: 'The webhook-id header: the same at every attempt of the event.' }),
    seq: z.number().int(),
    type: z.enum(CHANGE_EVENT_TYPES),
    target: z.number().int().openapi({ description: 'Which target: 0 is the callbackUrl when there is one, then the subscribers.' }),
    url: z.string(),
    state: z.enum(['pending', 'delivered', 'failed']),
    attempts: z.number().int().optional(),
    lastError: z.string().optional(),
    deliveredAt: Timestamp.optional(),
    failedAt: Timestamp.optional(),
  })
  .openapi('Delivery', { description: 'One event x target of the change callbacks.' });

/** A change as the API reports it. */
export const ChangeSchema = z
  .object({
    id: z.string().openapi({ description: 'The change id, `<system>/<ticketId>` (the workflow id without its `change/` prefix).', example: 'servicenow/CHG0031337' }),
    workflowId: z.string().openapi({ example: 'change/servicenow/CHG0031337' }),
    type: z.enum(CHANGE_TYPES),
    ticket: TicketRef,
    state: z.enum(CHANGE_STATES),
    requestedBy: z.string().openapi({ description: 'The principal that opened the change: `oidc:<subject>` or `token:<name>`.', example: 'token:servicenow' }),
    requestedAt: Timestamp,
    operationWorkflowId: z.string().optional().openapi({ description: 'The workflow that runs the operation.' }),
    waitingAt: z
      .object({ gate: z.string(), since: Timestamp, reason: z.string().optional() })
      .optional()
      .openapi({ description: 'The gate the change waits at for approval, if any.' }),
    delegated: z.boolean().openapi({ description: 'Its gates are approved by the change system that opened it (`approval: { by: "change-system" }`), and by nobody else.' }),
    audit: z.array(AuditEntrySchema).openapi({ description: "Every accepted action, oldest first: on the change's own gate, and on its staged operation (stage gates approved, pause, retry, skip, abort)." }),
    outcome: z
      .object({ state: z.enum(CHANGE_STATES), message: z.string(), at: Timestamp, type: z.string().optional() })
      .optional(),
    progress: AnyObject.optional().openapi({ description: "A staged change's progress: stages, clusters, gates, failure budget, audit (the operation's progress query)." }),
    deliveries: z.array(DeliverySchema).optional().openapi({ description: 'Each callback delivery (event x target): pending, delivered or failed.' }),
    links: z.object({ self: z.string(), temporalUi: z.string().optional() }),
  })
  .openapi('Change');
export type ChangeBody = z.output<typeof ChangeSchema>;

export const ChangeSummarySchema = z
  .object({
    id: z.string(),
    workflowId: z.string(),
    type: z.enum(CHANGE_TYPES),
    ticket: TicketRef,
    state: z.enum(CHANGE_STATES),
    requestedBy: z.string(),
    requestedAt: Timestamp,
    closedAt: Timestamp.optional(),
    links: z.object({ self: z.string() }),
  })
  .openapi('ChangeSummary');

export const ChangeListSchema = z
  .object({
    changes: z.array(ChangeSummarySchema),
    nextPageToken: z.string().optional().openapi({ description: 'Give it as pageToken for the next page; absent on the last page.' }),
  })
  .openapi('ChangeList');

const TicketPart = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/).max(100);

/** `{system}/{ticketId}` of the change routes. */
export const ChangeIdParams = z.object({
  system: TicketPart.openapi({ param: { name: 'system', in: 'path' }, description: 'The ticket system, first half of the change id.', example: 'servicenow' }),
  ticketId: TicketPart.openapi({ param: { name: 'ticketId', in: 'path' }, description: 'The ticket id, second half of the change id.', example: 'CHG0031337' }),
});

export const ChangeListQuery = z.object({
  state: z.enum(CHANGE_STATES).optional().openapi({ param: { name: 'state', in: 'query' } }),
  type: z.enum(CHANGE_TYPES).optional().openapi({ param: { name: 'type', in: 'query' } }),
  ticket: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be <system>/<id>')
    .max(201)
    .optional()
    .openapi({ param: { name: 'ticket', in: 'query' }, example: 'servicenow/CHG0031337' }),
  requestedBy: z.string().min(1).max(210).optional().openapi({ param: { name: 'requestedBy', in: 'query' }, example: 'token:servicenow' }),
  pageSize: z.coerce.number().int('must be a whole number').min(1, 'must be at least 1').max(200, 'must be at most 200').default(50).openapi({ param: { name: 'pageSize', in: 'query' }, type: 'integer', minimum: 1, maximum: 200, default: 50 }),
  pageToken: z.string().max(4000).regex(/^[A-Za-z0-9_-]*$/, 'must be a nextPageToken this API returned').optional().openapi({ param: { name: 'pageToken', in: 'query' } }),
});

/** The body of the action routes; which fields each action takes is in its description. */
export const ActionBodySchema = z
  .object({
    reason: z.string().max(500, 'must be at most 500 characters').optional().openapi({ description: 'Why (required for abort and skip).' }),
    gate: z.string().min(1).max(200).optional().openapi({ description: 'approve: the gate, e.g. "prod:before" (default: the gate the change waits at; one-cluster changes have one, "change:before").' }),
    cluster: ClusterNameSchema.optional().meta({ description: 'skip: the cluster to leave out.' }),
    clusters: z.array(ClusterNameSchema).max(1000).optional().openapi({ description: 'retry: the failed clusters to run again (default: every failed one).' }),
    rollback: z.boolean().optional().openapi({ description: 'abort of a rollout: also return the clusters it changed to their previous revision.' }),
  })
  .strict()
  .openapi('ChangeAction');

export const ACTION_FIELDS: Record<(typeof CHANGE_ACTIONS)[number], string> = {
  approve: 'Approves a gate (`gate`, `reason`). Four eyes: a production gate is never approved by the principal that opened the change; a delegated gate only by it.',
  pause: 'Stops starting clusters of a staged change (`reason`); running ones finish.',
  resume: 'Starts clusters of a paused staged change again (`reason`).',
  abort: 'Stops the change for good (`reason`, required); a rollout rolls back what it changed with `rollback: true`.',
  retry: 'Runs failed clusters of a staged change again (`clusters`, default every failed one; `reason`).',
  skip: 'Leaves a pending, waiting or failed cluster out of a staged change (`cluster`, `reason` required).',
};

export const ClusterRowSchema = z
  .object({
    name: z.string(),
    phase: z.string(),
    provider: z.string(),
    region: z.string(),
    environment: z.string(),
    version: z.string(),
    health: z.string(),
    labels: z.record(z.string(), z.string()),
  })
  .openapi('ClusterRow', { description: 'One cluster of the inventory, as `fleetflow clusters list` prints it.' });

export const ClusterListSchema = z.object({ clusters: z.array(ClusterRowSchema) }).openapi('ClusterList');

export const ClusterListQuery = z.object({
  selector: z.string().max(2000).optional().openapi({
    param: { name: 'selector', in: 'query' },
    description: 'As `fleetflow clusters list --selector`: comma-separated key=value or key!=value over provider, region, env, version, phase, health or a label.',
    example: 'env=prod,region=eu-west-1',
  }),
  all: z.enum(['true', 'false']).optional().openapi({ param: { name: 'all', in: 'query' }, description: 'Include Deleted clusters.' }),
});

export const ClusterNameParams = z.object({ name: ClusterNameSchema.meta({ param: { name: 'name', in: 'path' }, example: 'web-prod-1' }) });

export const ClusterStateSchema = z
  .object({
    name: z.string(),
    phase: z.string(),
    spec: AnyObject,
    health: AnyObject,
    history: z.array(AnyObject),
  })
  .catchall(z.unknown())
  .openapi('Cluster', { description: "One cluster's whole state, as `fleetflow clusters get -o json` prints it: spec, phase, version, health, running operation, history." });

export const ProblemSchema = z
  .object({
    type: z.string().openapi({ format: 'uri', description: `${PROBLEM_BASE}<failureType>`, example: `${PROBLEM_BASE}InvalidInput` }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional(),
    failureType: z.enum(Object.keys(FAILURE_TYPES) as [keyof typeof FAILURE_TYPES, ...(keyof typeof FAILURE_TYPES)[]]),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional().openapi({ description: 'Each bad field of a validation problem.' }),
  })
  .catchall(z.unknown())
  .openapi('Problem', { description: 'RFC 9457 problem details. `type` is a URI per failure type; `failureType` names it.' });
