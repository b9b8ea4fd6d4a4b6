import { z } from 'zod';
import type { Admission } from '../staged/operator.js';
import { describeWindow, nextOpening, type MaintenancePolicy } from './maintenance-window.js';

/**
 * Whether an operation that disrupts a cluster (an upgrade, a rollout's apply) may start now,
 * by the cluster's maintenance policy and the operator's override. One pure decision shared by
 * upgradeCluster (which waits on a durable timer) and the staged operations (whose runner
 * turns it into WaitingWindow or Skipped).
 */

/** The override an operation input may carry: `ignoreMaintenanceWindow: true` with a `reason`. */
export const MaintenanceOverrideFields = {
  /** Start outside the cluster's maintenance window; needs `reason`, which is recorded. */
  ignoreMaintenanceWindow: z.boolean().default(false),
  /** Why the window is ignored (an incident, a change ticket): recorded in the operation and audit. */
  reason: z.string().trim().min(1, 'must not be empty').max(500, 'must be at most 500 characters').optional(),
};

/** The message a missing reason gets, on the path `reason`. */
export const OVERRIDE_REASON_REQUIRED = 'must say why the maintenance window is ignored (required with ignoreMaintenanceWindow: true)';

/** A refinement for an input with MaintenanceOverrideFields: the override needs a reason. */
export function requireOverrideReason(input: { ignoreMaintenanceWindow?: boolean; reason?: string | undefined }, ctx: z.RefinementCtx): void {
  // A reason given but malformed has its own problem on the same path already.
  if (input.ignoreMaintenanceWindow && typeof input.reason !== 'string') ctx.addIssue({ code: 'custom', path: ['reason'], message: OVERRIDE_REASON_REQUIRED });
}

/** What the caller knows when it decides. */
export interface MaintenanceQuestion {
  /** The cluster's policy; undefined (or no windows and no exclusions) means any time. */
  policy: MaintenancePolicy | undefined;
  /** Workflow time, epoch ms. */
  now: number;
  /** The input's override; its reason is validated by the schema. */
  override?: { ignoreMaintenanceWindow: boolean; reason?: string | undefined };
}

/** The answer: go now (saying why), wait until the window opens, or never within the horizon. */
export type MaintenanceVerdict =
  | { action: 'proceed'; because: 'no-policy' | 'open' | 'ignored'; message: string }
  | { action: 'wait'; until: number; message: string; /** The windows in words, for current details. */ windows: string }
  | { action: 'refuse'; message: string };

const iso = (ms: number) => new Date(ms).toISOString();

/** The windows of a policy in words, for messages: "Sat 02:00-06:00 Europe/Berlin". */
function windowsText(policy: MaintenancePolicy): string {
  return policy.windows.length ? policy.windows.map(describeWindow).join('; ') : 'any time outside its exclusions';
}

/**
 * Decides. The override wins over everything (it is for incidents and is audited by the
 * caller); without a policy the operation starts at once; inside an open window it starts
 * (and runs past the window's end rather than stopping halfway); outside one it waits for the
 * next opening; a window that does not open within the search horizon is a refusal.
 */
export function maintenanceVerdict(q: MaintenanceQuestion): MaintenanceVerdict {
  if (q.override?.ignoreMaintenanceWindow) {
    return { action: 'proceed', because: 'ignored', message: `maintenance window ignored: ${q.override.reason ?? 'no reason given'}` };
  }
  const policy = q.policy;
  if (!policy || (policy.windows.length === 0 && policy.exclusions.length === 0)) {
    return { action: 'proceed', because: 'no-policy', message: 'no maintenance window set' };
  }
  const next = nextOpening(policy, q.now);
  if (next.opensAt === null) return { action: 'refuse', message: next.reason };
  if (next.openNow) {
    const closes = next.closesAt === null ? '' : ` until ${iso(next.closesAt)}`;
    return { action: 'proceed', because: 'open', message: `inside its maintenance window (${windowsText(policy)})${closes}` };
  }
  return { action: 'wait', until: next.opensAt, message: `waiting for its maintenance window, which opens at ${iso(next.opensAt)}`, windows: windowsText(policy) };
}

/**
 * The verdict as a staged operation's admission: wait means WaitingWindow until the opening
 * (a durable timer; no concurrency slot meanwhile), refuse means Skipped with the reason,
 * prefixed with what was not done ("not applied").
 */
export function admissionOf(v: MaintenanceVerdict, notDone: string): Admission {
  if (v.action === 'proceed') return { start: true };
  if (v.action === 'refuse') return { start: false, status: 'Skipped', message: `${notDone}: ${v.message}` };
  return { start: false, status: 'WaitingWindow', wakeAt: v.until, message: v.message };
}
