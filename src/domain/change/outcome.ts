import { operationWorkflowId } from '../cluster/workflow-ids.js';
import type { ChangeType } from '../auth/policy.js';
import { isStaged, type ChangeEventType, type ChangeState } from './request.js';

/**
 * The workflow id of a change's operation: a one-cluster operation keeps its conventional id
 * (`upgrade/web-1`), so a second start of it anywhere attaches to the same run or is refused as
 * busy; a staged one runs under the change's id with `/operation` appended.
 */
export function operationWorkflowIdOf(changeId: string, type: ChangeType, input: Record<string, unknown>): string {
  if (isStaged(type)) return `${changeId}/operation`;
  if (type === 'provision') return operationWorkflowId('provision', String((input.spec as { name?: unknown } | undefined)?.name ?? ''));
  return operationWorkflowId(type === 'upgradeCluster' ? 'upgrade' : 'decommission', String(input.name ?? ''));
}

/** How a change ended, and the callback event that says so. */
export interface ChangeEnd {
  state: Extract<ChangeState, 'Succeeded' | 'Failed' | 'Aborted' | 'RolledBack'>;
  event: Extract<ChangeEventType, 'succeeded' | 'failed' | 'aborted' | 'rolledBack'>;
  message: string;
  type?: string;
}

const EVENT = { Succeeded: 'succeeded', Failed: 'failed', Aborted: 'aborted', RolledBack: 'rolledBack' } as const;
const end = (state: ChangeEnd['state'], message: string, type?: string): ChangeEnd => ({ state, event: EVENT[state], message, ...(type ? { type } : {}) });

const rolledBackOf = (v: unknown): string[] => {
  const r = (v as { rolledBack?: unknown } | undefined)?.rolledBack;
  return Array.isArray(r) ? r.filter((x): x is string => typeof x === 'string') : [];
};

/**
 * The end of a change from its operation's result: a staged result says Succeeded or Aborted;
 * a rollout that rolled clusters back (after an abort with rollback) is RolledBack.
 */
export function endFromResult(result: unknown): ChangeEnd {
  const r = (result ?? {}) as { outcome?: unknown; message?: unknown };
  const message = typeof r.message === 'string' ? r.message : 'done';
  if (rolledBackOf(result).length) return end('RolledBack', message);
  return r.outcome === 'Aborted' ? end('Aborted', message) : end('Succeeded', message);
}

/**
 * The end of a change from its operation's failure (its message, type and first detail): a
 * rollout that failed and rolled clusters back is RolledBack, anything else Failed.
 */
export function endFromFailure(message: string, type: string | undefined, details: unknown): ChangeEnd {
  return rolledBackOf(details).length ? end('RolledBack', message, type) : end('Failed', message, type);
}

/** A one-cluster change that never ran: its gate was refused or timed out. */
export const endBeforeRun = (state: 'Aborted' | 'Failed', message: string, type?: string): ChangeEnd => end(state, message, type);
