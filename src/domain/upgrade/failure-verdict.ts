import type { ClusterHealth, ClusterPhase } from '../cluster/state.js';
import { behind, POST_UPGRADE_FAILURE } from './preflight.js';

/**
 * How upgradeCluster classifies a failure, as pure functions: did the control plane move (then
 * nothing can be undone, the cluster is left Degraded at the new version and a wave halts), or
 * did nothing change (the cluster goes back to the phase it had, and the root cause is reported
 * with its own type)?
 */

/** Where the upgrade was when it failed. */
export type UpgradeStage = 'preflight' | 'control-plane' | 'after';

/** What the workflow knows when an upgrade fails. */
export interface UpgradeFailureInput {
  name: string;
  /** The requested version ("1.36" or "1.36.3"). */
  target: string;
  stage: UpgradeStage;
  /** The control plane's version before the upgrade ('' when unknown). */
  from: string;
  /** The version the control plane reported after its change, when it got that far. */
  reached?: string;
  /**
   * Only for a failure during the control-plane change: the version the provider reports now,
   * undefined when it could not be read. A change can fail after the control plane moved.
   */
  observed?: string;
  /** The innermost failure: its words and type. */
  root: { message: string; type: string };
  /** The phase to go back to when nothing changed. */
  phaseBefore: ClusterPhase;
}

/** The verdict: what to throw, what to tell the entity, and whether a wave must halt. */
export interface UpgradeFailureVerdict {
  /** True once the control plane runs a new version: nothing can be rolled back. */
  controlPlaneMoved: boolean;
  /** The failure type to throw: PostUpgradeFailure, or the root cause's own type. */
  type: string;
  /** The message of the failure the workflow throws. */
  message: string;
  /** The outcome as the cluster entity records it (may add where the control plane is). */
  report: string;
  /** What the entity's state becomes. */
  patch: { phase: ClusterPhase; version?: string };
  /** A wave running this upgrade stops starting clusters, whatever its failure budget. */
  haltsWave: boolean;
}

/**
 * Classifies a failed upgrade. A failure after the control plane moved, or during its change
 * when the provider already reports a newer version that is not behind the target, is a
 * PostUpgradeFailure: the control plane stays (it cannot be downgraded), the cluster is left
 * Degraded at that version so that a retry (which resumes with what is not yet upgraded) is
 * accepted. Anything earlier changed nothing: the cluster returns to its phase, and a failure
 * during the control-plane change says where the control plane is, or that it could not be read.
 */
export function classifyUpgradeFailure(f: UpgradeFailureInput): UpgradeFailureVerdict {
  const movedDuringChange = f.stage === 'control-plane' && !!f.observed && f.observed !== f.from && !behind(f.observed, f.target);
  if (f.stage === 'after' || movedDuringChange) {
    const at = (movedDuringChange ? f.observed : f.reached) ?? f.target;
    const message =
      `upgrade of ${f.name} failed after its control plane moved to ${at}: ${f.root.message}. ` +
      `The control plane stays at ${at}: it cannot be downgraded and nothing was rolled back. ` +
      'Repair the cluster, then retry the upgrade: it resumes with whatever is not yet upgraded';
    return { controlPlaneMoved: true, type: POST_UPGRADE_FAILURE, message, report: message, patch: { phase: 'Degraded', version: at }, haltsWave: true };
  }
  const message = `upgrade failed: ${f.root.message}`;
  const note = f.stage !== 'control-plane' ? '' : f.observed ? `; the control plane is still at ${f.observed}` : "; the control plane's version could not be read";
  return { controlPlaneMoved: false, type: f.root.type, message, report: `${message}${note}`, patch: { phase: f.phaseBefore }, haltsWave: false };
}

/** Whether a failed child upgrade halts its wave: any PostUpgradeFailure in its failure chain. */
export function haltsWave(failureTypes: readonly (string | null | undefined)[]): boolean {
  return failureTypes.includes(POST_UPGRADE_FAILURE);
}

/** The phase an upgrade returns a cluster to when nothing changed: Degraded if it was not healthy, else Active. */
export function phaseBeforeUpgrade(health: Pick<ClusterHealth, 'status'>): ClusterPhase {
  return health.status === 'Degraded' || health.status === 'Unreachable' ? 'Degraded' : 'Active';
}
