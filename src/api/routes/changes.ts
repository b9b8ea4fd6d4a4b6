import { createHash, randomUUID } from 'node:crypto';
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { authorize, requiresApprovalGate, type Principal } from '../../domain/auth/authorize.js';
import type { ChangeType } from '../../domain/auth/policy.js';
import { callbackTargetsFor } from '../../domain/change/callback-targets.js';
import { changeAudit } from '../../domain/change/audit.js';
import { canonicalJson, differingPaths } from '../../domain/change/canonical-json.js';
import {
  auditNameOf,
  changeIdOf,
  ChangeRequestSchema,
  IDEMPOTENCY_SYSTEM,
  isStaged,
  TicketSchema,
  type ChangeRequest,
  type Ticket,
} from '../../domain/change/request.js';
import { recordOfScope, scopeSourceOf } from '../../domain/change/scope.js';
import { formatPath, problemsFrom } from '../../domain/validation.js';
import { startChange, type ChangeRecord } from '../../temporal/changes.js';
import { listChanges, type ChangeSummary } from '../../temporal/change-list.js';
import { readStartArgs } from '../../temporal/workflow-input.js';
import type { ApiEnv } from '../app-env.js';
import { resolveScope } from '../change-scope.js';
import { decodePageToken, encodePageToken } from '../page-token.js';
import { decideOnRecord, enforce, temporalUiLink, type ApiDeps } from '../deps.js';
import { ApiProblem, invalidInput } from '../problem.js';
import {
  ChangeIdParams,
  ChangeListQuery,
  ChangeListSchema,
  ChangeSchema,
  IdempotencyHeaders,
  OpenChangeSchema,
  type ChangeBody,
  type OpenChange,
} from '../schemas.js';
import { BEARER, json, problems } from './responses.js';

/** The path of a change: `/v1/changes/servicenow/CHG0031337`. */
export const changePath = (t: Pick<Ticket, 'system' | 'id'>) => `/v1/changes/${t.system}/${t.id}`;

const openRoute = createRoute({
  method: 'post',
  path: '/v1/changes',
  operationId: 'openChange',
  tags: ['changes'],
  summary: 'Open a change: start an operation for a ticket, exactly once',
  description:
    'Starts the operation of `type` with `input` for the ticket (or the Idempotency-Key). The change is named by its ticket: the same ticket with the same `type` and `input` answers 200 with the existing change (also under concurrent requests; a closed change is never run again), with another input 409 naming the fields that differ. A change that touches a production environment waits at an approval gate whatever its input says.',
  security: BEARER,
  request: {
    headers: IdempotencyHeaders,
    body: { required: true, content: { 'application/json': { schema: OpenChangeSchema } } },
  },
  responses: {
    201: json('Created: this request opened the change.', ChangeSchema, { Location: { description: 'The change: /v1/changes/{system}/{ticketId}', schema: { type: 'string' } } }),
    200: json('The change of this ticket existed with the same input: nothing new was started.', ChangeSchema),
    ...problems(404, 409, 422),
  },
});

const getRoute = createRoute({
  method: 'get',
  path: '/v1/changes/{system}/{ticketId}',
  operationId: 'getChange',
  tags: ['changes'],
  summary: 'One change: state, progress, gates, audit, callbacks',
  description: 'The change id is `<system>/<ticketId>`, the workflow id without its `change/` prefix.',
  security: BEARER,
  request: { params: ChangeIdParams },
  responses: { 200: json('The change.', ChangeSchema), ...problems(404) },
});

const listRoute = createRoute({
  method: 'get',
  path: '/v1/changes',
  operationId: 'listChanges',
  tags: ['changes'],
  summary: 'List changes from visibility, newest first, paginated',
  description: 'Filters combine with AND. Changes the caller may not view are left out of the page (a page may then be shorter than pageSize).',
  security: BEARER,
  request: { query: ChangeListQuery },
  responses: { 200: json('A page of changes.', ChangeListSchema), ...problems() },
});

/** Registers POST /v1/changes, GET /v1/changes and GET /v1/changes/{system}/{ticketId}. */
export function registerChangeRoutes(app: OpenAPIHono<ApiEnv>, deps: ApiDeps): void {
  app.openapi(openRoute, async (c) => {
    const principal = c.get('principal');
    const body = c.req.valid('json');
    // The input as sent: what is hashed, compared and handed to the workflow (which parses it itself).
    const sent = (await c.req.json()) as { type: ChangeType; input: Record<string, unknown> };
    const ticket = ticketOfRequest(body, c.req.header('idempotency-key'));
    // A repeat (the usual retry of a change system) is answered from the change itself, authorized
    // on the scope it was opened on, without reading the inventory again. Whatever this finds, a
    // change is only ever created by the start below and its conflict policy.
    const repeat = await deps.reads.read(changeIdOf(ticket), { answerWithin: deps.repeatAnswerMs, mayNotExist: true });
    if (repeat?.memo?.inputHash === inputHashOf(sent.type, sent.input)) {
      enforce(await decideOnRecord(deps, principal, repeat.memo.scope, (scope) => ({ kind: 'start', type: body.type, scope })));
      return c.json(changeBody(deps, repeat), 200);
    }
    const { request, scopeRecord } = await buildRequest(deps, principal, body, sent, ticket);
    const started = await startChange(deps.client, { request, nonce: randomUUID(), taskQueue: deps.taskQueue, scope: scopeRecord });
    if (started.created) {
      c.header('Location', changePath(ticket));
      return c.json(newChangeBody(deps, request, started.id, started.firstRunId), 201);
    }
    if (started.memo.inputHash !== request.inputHash) throw await conflict(deps, started.id, request);
    const existing = await deps.reads.fresh(started.id, { answerWithin: deps.repeatAnswerMs });
    if (!existing) throw new ApiProblem('ChangeConflict', `change ${started.id} exists but cannot be read as a change`);
    return c.json(changeBody(deps, existing), 200);
  });

  app.openapi(getRoute, async (c) => {
    const { system, ticketId } = c.req.valid('param');
    const record = await readViewable(deps, c.get('principal'), { system, id: ticketId });
    return c.json(changeBody(deps, record), 200);
  });

  app.openapi(listRoute, async (c) => {
    const q = c.req.valid('query');
    const principal = c.get('principal');
    const filter = { ...(q.state ? { state: q.state } : {}), ...(q.type ? { type: q.type } : {}), ...(q.ticket ? { ticket: q.ticket } : {}), ...(q.requestedBy ? { requestedBy: q.requestedBy } : {}) };
    const pageToken = q.pageToken ? decodePageToken(filter, q.pageToken) : undefined;
    if (q.pageToken && !pageToken) throw invalidInput([{ path: 'pageToken', message: 'is not a nextPageToken of this list (with the same filters)' }]);
    const page = await listChanges(deps.client, filter, { pageSize: q.pageSize, ...(pageToken ? { pageToken } : {}) });
    const visible: ChangeSummary[] = [];
    for (const ch of page.changes) {
      const d = await decideOnRecord(deps, principal, ch.memo?.scope, (scope) => ({ kind: 'view', scope }));
      if (d.allow) visible.push(ch);
    }
    return c.json(
      {
        changes: visible.map((ch) => ({
          id: `${ch.ticket.system}/${ch.ticket.id}`,
          workflowId: ch.id,
          type: ch.type,
          ticket: ch.ticket,
          state: ch.state,
          requestedBy: ch.requestedBy,
          requestedAt: ch.startedAt,
          ...(ch.closedAt ? { closedAt: ch.closedAt } : {}),
          links: { self: changePath(ch.ticket) },
        })),
        ...(page.nextPageToken ? { nextPageToken: encodePageToken(filter, page.nextPageToken) } : {}),
      },
      200,
    );
  });
}

/** Reads a change the principal may view: 404 when there is none, 403 when the policy says no. */
export async function readViewable(deps: ApiDeps, principal: Principal, ticket: Pick<Ticket, 'system' | 'id'>): Promise<ChangeRecord> {
  const record = await deps.reads.read(changeIdOf(ticket));
  if (!record) throw new ApiProblem('ChangeUnknown', `no change ${ticket.system}/${ticket.id}`);
  enforce(await decideOnRecord(deps, principal, record.memo?.scope, (scope) => ({ kind: 'view', scope })));
  return record;
}

/** The ticket the change is named by: the body's, else the Idempotency-Key's. */
function ticketOfRequest(body: OpenChange, key: string | undefined): Ticket {
  if (body.ticket) return body.ticket;
  if (key === undefined) throw invalidInput([{ path: 'ticket', message: 'is required unless an Idempotency-Key header is given' }]);
  const parsed = TicketSchema.safeParse({ system: IDEMPOTENCY_SYSTEM, id: key });
  if (!parsed.success) throw invalidInput(problemsFrom(parsed.error, '').map((p) => ({ path: 'Idempotency-Key', message: p.message })));
  return parsed.data;
}

/** sha256 hex of the canonical JSON of {type, input} as sent. */
export function inputHashOf(type: string, input: unknown): string {
  return createHash('sha256').update(canonicalJson({ type, input })).digest('hex');
}

/**
 * The fleetChange workflow's input for a request: the principal as requester (and as the
 * input's requestedBy), the scope read from the inventory and authorized, the gate the policy
 * requires, the callbacks.
 */
async function buildRequest(deps: ApiDeps, principal: Principal, body: OpenChange, sent: { type: ChangeType; input: Record<string, unknown> }, ticket: Ticket) {
  const scope = await resolveScope(deps.client, scopeSourceOf(body.type, body.input as Parameters<typeof scopeSourceOf>[1]));
  const delegated = body.approval?.by === 'change-system';
  // The policy decides delegation too: only a change system it trusts (delegatedApprovers) approves its own gates.
  enforce(authorize(deps.access, principal, { kind: 'start', type: body.type, scope, delegated }));
  const by = auditNameOf(principal);
  const gate = requiresApprovalGate(deps.access, scope);
  // A one-cluster change has its own gate: when the policy requires one, or when the change system approves it.
  const approval = isStaged(body.type) ? undefined : gate.required ? { reason: gate.reason } : delegated ? { reason: `approved by the change system that opened it (${by})` } : undefined;
  const targets = callbackTargetsFor(deps.webhooks, ticket.system, body.callbackUrl);
  if (!targets.ok) {
    const { type, field, message } = targets.refusal;
    // The caller's callbackUrl is named as a field; a secret missing from the server's own config is the server's fault (500).
    throw new ApiProblem(type, message, field === 'callbackUrl' ? { errors: [{ path: field, message: message.replace(/^callbackUrl: /, '') }] } : {});
  }
  const callbacks = targets.targets;
  const request: ChangeRequest = {
    type: body.type,
    ticket,
    requestedBy: { kind: principal.kind, subject: principal.subject, ...(principal.displayName ? { displayName: principal.displayName.slice(0, 200) } : {}) },
    input: { ...sent.input, requestedBy: by },
    inputHash: inputHashOf(sent.type, sent.input),
    callbacks,
    prodEnvironments: [...deps.access.prodEnvironments],
    ...(approval ? { approval } : {}),
    delegated,
  };
  // Built here, so a mistake of ours (or a principal too long to record) is refused before anything starts.
  const checked = ChangeRequestSchema.safeParse(request);
  if (!checked.success) {
    throw new ApiProblem('InternalError', `the change request could not be built: ${problemsFrom(checked.error, '').map((p) => `${p.path}: ${p.message}`).join('; ')}`);
  }
  return { request, scopeRecord: recordOfScope(scope) };
}

/** The 409 of a ticket that has a change with another input, naming the fields that differ. */
async function conflict(deps: ApiDeps, workflowId: string, request: ChangeRequest): Promise<ApiProblem> {
  const stored = await readStartArgs(deps.client, workflowId);
  const before = stored?.args[0] as Partial<ChangeRequest> | undefined;
  const id = workflowId.replace(/^change\//, '');
  if (!before?.input) return new ApiProblem('ChangeConflict', `change ${id} exists with another input`);
  // requestedBy is the API's (each request's principal), so it is compared only when nothing else differs.
  const strip = ({ requestedBy: _r, ...rest }: Record<string, unknown>) => rest;
  let paths = differingPaths({ type: before.type, input: strip(before.input) }, { type: request.type, input: strip(request.input) });
  if (!paths.length) paths = differingPaths({ type: before.type, input: before.input }, { type: request.type, input: request.input });
  const named = paths.length ? paths : [formatPath('', ['input'])];
  return new ApiProblem('ChangeConflict', `change ${id} exists with another input: ${named.join(', ')} differ${named.length === 1 ? 's' : ''}; use a new ticket (or Idempotency-Key) for another change`, {
    errors: named.map((path) => ({ path, message: 'differs from the change this ticket already has' })),
  });
}

/** The body of a change this request just created (its workflow has not answered yet). */
function newChangeBody(deps: ApiDeps, request: ChangeRequest, workflowId: string, runId: string): ChangeBody {
  return {
    id: `${request.ticket.system}/${request.ticket.id}`,
    workflowId,
    type: request.type,
    ticket: request.ticket,
    state: 'Accepted',
    delegated: request.delegated === true,
    requestedBy: auditNameOf(request.requestedBy),
    requestedAt: new Date(deps.now()).toISOString(),
    audit: [],
    links: { self: changePath(request.ticket), temporalUi: temporalUiLink(deps, workflowId, runId) },
  };
}

/** The API's view of a change record. */
export function changeBody(deps: ApiDeps, r: ChangeRecord): ChangeBody {
  const v = r.view;
  const workflowId = changeIdOf(v.ticket);
  return {
    id: `${v.ticket.system}/${v.ticket.id}`,
    workflowId,
    type: v.type,
    ticket: v.ticket,
    state: v.state,
    requestedBy: v.requestedBy,
    requestedAt: v.requestedAt,
    ...(v.operationWorkflowId ? { operationWorkflowId: v.operationWorkflowId } : {}),
    ...(v.waitingAt ? { waitingAt: v.waitingAt } : {}),
    delegated: v.delegated === true,
    // A staged change's actions are acted on its operation, which keeps them: both, oldest first.
    audit: changeAudit(v.audit, r.progress),
    ...(v.outcome ? { outcome: v.outcome } : {}),
    ...(r.progress && typeof r.progress === 'object' ? { progress: r.progress as Record<string, unknown> } : {}),
    ...(r.deliveries ? { deliveries: r.deliveries } : {}),
    links: { self: changePath(v.ticket), temporalUi: temporalUiLink(deps, workflowId, r.runId) },
  };
}
