import { z } from 'zod';
import type { ChangeAction, ChangeType } from '../auth/policy.js';
import { AbortRolloutSchema } from '../rollout/fleet-rollout.js';
import { AbortSchema, ApproveSchema, PauseSchema, RetrySchema, SkipSchema } from '../staged/operator.js';
import { checkInput, type Problem } from '../validation.js';
import { CHANGE_GATE, isStaged } from './request.js';

/**
 * An operator action on a change (approve, pause, resume, abort, retry, skip), as the API
 * receives it, mapped to the update that carries it: on the staged operation for fleet changes,
 * on the change's own workflow (its one gate, and abort) for one-cluster changes. `by` is
 * always the authenticated principal, never a field of the body.
 */

/** Updates an action can become; each is defined in src/temporal/messages. */
export type ActionUpdate = 'approve' | 'pause' | 'resume' | 'abort' | 'abortRollout' | 'retryFailed' | 'skipCluster';

/** Which workflow receives it: the staged operation (the change's child), or the change itself. */
export type ActionTarget = 'operation' | 'change';

/** The body of an action request. */
export interface ActionBody {
  reason?: string | undefined;
  gate?: string | undefined;
  cluster?: string | undefined;
  clusters?: string[] | undefined;
  rollback?: boolean | undefined;
}

/** The update to send, where, and its argument (already checked against the update's schema). */
export interface ActionCall {
  update: ActionUpdate;
  target: ActionTarget;
  arg: Record<string, unknown>;
}

/** The action mapped, or why not: problems in the body (400), or an action the type has not (409). */
export type ActionPlan = { ok: true; call: ActionCall } | { ok: false; kind: 'invalid'; problems: Problem[] } | { ok: false; kind: 'refused'; message: string };

const DONE: Record<ChangeAction, string> = { approve: 'approved', pause: 'paused', resume: 'resumed', abort: 'aborted', retry: 'retried', skip: 'skipped' };

const ONE_CLUSTER_ACTIONS: readonly ChangeAction[] = ['approve', 'abort'];

const defined = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

/** The fields of the body each action takes; any other is a mistake worth naming. */
const FIELDS: Record<ChangeAction, readonly (keyof ActionBody)[]> = {
  approve: ['reason', 'gate'],
  pause: ['reason'],
  resume: ['reason'],
  abort: ['reason', 'rollback'],
  retry: ['reason', 'clusters'],
  skip: ['reason', 'cluster'],
};

/**
 * Maps an action on a change of `type` to its update. `gate` is the gate to approve when the
 * body names none (the one the change waits at). Every problem is named by its body field.
 *
 * @example planAction('rollout', 'abort', { reason: 'bad canary', rollback: true }, 'oidc:alice')
 *   // { ok: true, call: { update: 'abortRollout', target: 'operation', arg: { by: 'oidc:alice', reason: 'bad canary', rollback: true } } }
 */
export function planAction(type: ChangeType, action: ChangeAction, body: ActionBody, by: string, waitingGate?: string): ActionPlan {
  const stray = (Object.keys(body) as (keyof ActionBody)[])
    .filter((k) => body[k] !== undefined && !FIELDS[action].includes(k))
    .map((k) => ({ path: k, message: `${action} takes no ${k} (it takes ${FIELDS[action].join(', ')})` }));
  if (action === 'abort' && body.rollback !== undefined && type !== 'rollout') stray.push({ path: 'rollback', message: 'only a rollout can roll back what it changed' });
  if (stray.length) return { ok: false, kind: 'invalid', problems: stray };

  const staged = isStaged(type);
  if (!staged && !ONE_CLUSTER_ACTIONS.includes(action)) {
    return { ok: false, kind: 'refused', message: `a ${type} change acts on one cluster: it can be approved or aborted, not ${DONE[action]}` };
  }
  const gate = body.gate ?? waitingGate;
  if (action === 'approve' && !gate) return { ok: false, kind: 'refused', message: 'the change waits at no gate: there is nothing to approve' };
  if (action === 'approve' && !staged && gate !== CHANGE_GATE) {
    return { ok: false, kind: 'invalid', problems: [{ path: 'gate', message: `a ${type} change has one gate, "${CHANGE_GATE}"` }] };
  }
  const target: ActionTarget = staged ? 'operation' : 'change';
  const common = { by, reason: body.reason };
  const [update, schema, arg]: [ActionUpdate, z.ZodType, Record<string, unknown>] = (() => {
    switch (action) {
      case 'approve':
        return ['approve', ApproveSchema, { ...common, gate }];
      case 'pause':
      case 'resume':
        return [action, PauseSchema, common];
      case 'abort':
        return type === 'rollout' ? ['abortRollout', AbortRolloutSchema, { ...common, rollback: body.rollback }] : ['abort', AbortSchema, common];
      case 'retry':
        return ['retryFailed', RetrySchema, { ...common, clusters: body.clusters }];
      case 'skip':
        return ['skipCluster', SkipSchema, { ...common, cluster: body.cluster }];
    }
  })();
  const checked = checkInput(schema, defined(arg), `${action} request`);
  if (!checked.ok) return { ok: false, kind: 'invalid', problems: checked.problems };
  return { ok: true, call: { update, target, arg: defined(arg) } };
}
