import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import { CHANGE_ACTIONS, type ChangeAction } from '../../domain/auth/policy.js';
import { planAction, type ActionUpdate } from '../../domain/change/actions.js';
import { auditNameOf, changeIdOf, isStaged } from '../../domain/change/request.js';
import { gateScopeOf } from '../../domain/change/scope.js';
import { abortChange, approveChange } from '../../temporal/messages/change-queries.js';
import { abortOperation, abortRollout, approveGate, pauseOperation, resumeOperation, retryFailed, skipCluster } from '../../temporal/messages/staged.js';
import type { ApiEnv } from '../app-env.js';
import { decideOnRecord, enforce, type ApiDeps } from '../deps.js';
import { ApiProblem, invalidInput } from '../problem.js';
import { ACTION_FIELDS, ActionBodySchema, ChangeIdParams, ChangeSchema } from '../schemas.js';
import { changeBody } from './changes.js';
import { BEARER, json, problems } from './responses.js';

/** The updates of a staged operation, by name. */
const OPERATION_UPDATES: Record<ActionUpdate, UpdateDefinition<void, [never]>> = {
  approve: approveGate,
  pause: pauseOperation,
  resume: resumeOperation,
  abort: abortOperation,
  abortRollout,
  retryFailed,
  skipCluster,
} as Record<ActionUpdate, UpdateDefinition<void, [never]>>;

/** The updates of a one-cluster change's own workflow. */
const CHANGE_UPDATES: Partial<Record<ActionUpdate, UpdateDefinition<void, [never]>>> = { approve: approveChange, abort: abortChange } as Partial<Record<ActionUpdate, UpdateDefinition<void, [never]>>>;

const routeOf = (action: ChangeAction) =>
  createRoute({
    method: 'post',
    path: `/v1/changes/{system}/{ticketId}/${action}`,
    operationId: `${action}Change`,
    tags: ['actions'],
    summary: `${action.charAt(0).toUpperCase()}${action.slice(1)} a change`,
    description: `${ACTION_FIELDS[action]} The action is recorded with the authenticated principal as \`by\`. A refusal by the workflow (the action does not apply now) is a 409 with its reason.`,
    security: BEARER,
    // Optional: no body is {} (approve, pause, resume and retry need no field; abort and skip then name the missing reason).
    request: { params: ChangeIdParams, body: { required: false, content: { 'application/json': { schema: ActionBodySchema } } } },
    responses: { 200: json('The action was accepted; the change as it is now.', ChangeSchema), ...problems(404, 409) },
  });

/** Registers POST /v1/changes/{system}/{ticketId}/approve|pause|resume|abort|retry|skip. */
export function registerActionRoutes(app: OpenAPIHono<ApiEnv>, deps: ApiDeps): void {
  for (const action of CHANGE_ACTIONS) {
    app.openapi(routeOf(action), async (c) => {
      const principal = c.get('principal');
      const by = auditNameOf(principal);
      const { system, ticketId } = c.req.valid('param');
      const body = c.req.valid('json');
      const changeId = changeIdOf({ system, id: ticketId });
      const record = await deps.reads.fresh(changeId);
      if (!record) throw new ApiProblem('ChangeUnknown', `no change ${system}/${ticketId}`);
      const { view, memo } = record;
      const progress = (record.progress ?? {}) as { gate?: string; clusters?: { name: string; stage?: string; environment?: string }[] };
      // The operation's live progress knows its gate best; the change's view follows it by signal.
      const plan = planAction(view.type, action, body, by, progress.gate ?? view.waitingAt?.gate);
      if (!plan.ok && plan.kind === 'invalid') throw invalidInput(plan.problems, `${action} request`);

      // Approving a stage's gate acts on that stage's clusters; every other action on the whole change.
      const gate = plan.ok && typeof plan.call.arg.gate === 'string' ? plan.call.arg.gate : undefined;
      const scope = (action === 'approve' && gate && isStaged(view.type) && gateScopeOf(gate, progress.clusters ?? [])) || memo?.scope;
      // Four eyes and delegated gates are the policy's (authorize): the requester is compared by subject.
      // The policy decides before the change's state does: a principal it refuses gets 403, and
      // never learns from a 409 whether the action would apply now.
      const delegated = view.delegated || memo?.delegated === true;
      enforce(await decideOnRecord(deps, principal, scope, (s) => ({ kind: 'act', action, scope: s, requestedBy: view.requestedBy, delegated })));
      if (!plan.ok) throw new ApiProblem('OperatorActionRefused', plan.message);

      const target = plan.call.target === 'operation' ? view.operationWorkflowId : changeId;
      const update = plan.call.target === 'operation' ? OPERATION_UPDATES[plan.call.update] : CHANGE_UPDATES[plan.call.update];
      if (!target || !update) throw new ApiProblem('OperatorActionRefused', `${action} does not apply now: the change's operation has not started yet`);
      try {
        await deps.client.workflow.getHandle(target).executeUpdate(update, { args: [plan.call.arg as never] });
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) throw new ApiProblem('OperatorActionRefused', `${action} does not apply: the change's ${target === changeId ? 'workflow' : 'operation'} has ended`);
        throw err;
      }
      const after = await deps.reads.fresh(changeId);
      return c.json(changeBody(deps, after ?? record), 200);
    });
  }
}
