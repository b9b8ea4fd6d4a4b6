import type { ChangeView } from './request.js';

/** One entry of a change's audit trail: who did what, when, on what (a gate), and why. */
export type ChangeAuditEntry = ChangeView['audit'][number];

const isEntry = (e: unknown): e is ChangeAuditEntry => {
  const x = e as Record<string, unknown> | null;
  return (
    typeof x === 'object' && x !== null &&
    typeof x.at === 'string' && typeof x.action === 'string' && typeof x.by === 'string' &&
    (x.reason === undefined || typeof x.reason === 'string') && (x.detail === undefined || typeof x.detail === 'string')
  );
};

/**
 * A change's whole audit trail, oldest first: the actions on the change's own gate (a
 * one-cluster change) and those its staged operation recorded (stage gates approved, pauses,
 * retries, skips, aborts), which are acted on the operation and so kept in its progress
 * (`progress.audit`). Entries of equal time keep their order, the change's first. Anything in
 * the progress that is not an audit entry is left out.
 *
 * @example changeAudit([], { audit: [{ at: '2026-11-30T10:00:00Z', action: 'approve', by: 'oidc:bob', detail: 'prod:before' }] })
 */
export function changeAudit(own: readonly ChangeAuditEntry[], progress: unknown): ChangeAuditEntry[] {
  const fromOperation = (progress as { audit?: unknown } | undefined)?.audit;
  const staged = Array.isArray(fromOperation) ? fromOperation.filter(isEntry) : [];
  const entries = [...own, ...staged].map((e) => ({
    at: e.at,
    action: e.action,
    by: e.by,
    ...(e.reason !== undefined ? { reason: e.reason } : {}),
    ...(e.detail !== undefined ? { detail: e.detail } : {}),
  }));
  // Array.prototype.sort is stable: equal times keep the change's entries first.
  return entries.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
}
