import { CancellationScope, isCancellation, workflowInfo } from '@temporalio/workflow';
import { bundlesToReconcile, recordDrift, withReconcileOutcome } from '../src/domain/cluster/applied-bundles.js';
import { clearCheckProblem, recordCheckFailure, recordHealth } from '../src/domain/cluster/checks.js';
import { beginOperation, finishOperation } from '../src/domain/cluster/lifecycle.js';
import { targetOf } from '../src/domain/cluster/target.js';
import { long, probe, quick } from './activity-profiles.js';
import { checkCapacity } from './cluster-capacity-check.js';
import type { EntityState } from './entity-state.js';
import { rootFailure } from './operation-steps.js';
import { recordDriftDetected, recordDriftReconciled } from './telemetry.js';

const now = () => new Date().toISOString();

/**
 * The checks a cluster entity makes beside its operations: health and drift with auto-reconcile
 * while no operation runs, and whether a running operation's workflow still runs. A check that
 * fails is recorded in the state and tried again later; it never fails the entity, which is the
 * inventory. Every command is issued in the order the entity issued it before this class
 * existed, so recorded histories replay.
 */
export class ClusterChecks {
  /** The health check in flight, cancelled when an operation claims the cluster. */
  private checking: CancellationScope | undefined;

  constructor(private readonly entity: EntityState) {}

  /** An operation claimed the cluster: the check in flight is dropped, its verdict unrecorded. */
  cancel(): void {
    this.checking?.cancel();
  }

  /** One health and drift check, then an auto-reconcile of each drifted bundle that asks for one. */
  async checkHealth(): Promise<void> {
    const e = this.entity;
    const scope = new CancellationScope();
    this.checking = scope;
    try {
      await scope.run(async () => {
        const report = await probe.checkClusterHealth({ target: targetOf(e.state) });
        if (e.state.current) return;
        e.update(recordHealth(e.state, report, now()));
        if (report.status === 'Unreachable') return;
        await checkCapacity(e);
        if (e.state.current) return;
        for (const b of e.state.bundles ?? []) {
          const drift = await probe.checkBundleDrift({ target: targetOf(e.state), bundle: b.name, revision: b.revision });
          if (e.state.current) return;
          if (drift.status === 'Drifted') recordDriftDetected(b.name);
          e.update(recordDrift(e.state, b.name, drift, now()));
        }
      });
    } catch (err) {
      if (!isCancellation(err) && !e.state.current) {
        // An agent that picks up nothing is an unreachable cluster, not an unknown one.
        const root = rootFailure(err);
        const verdict = root.type === 'AgentOffline' ? { status: 'Unreachable' as const, reasons: [root.message] } : { status: 'Unknown' as const, reasons: [`health check failed: ${root.message}`] };
        e.update(recordHealth(e.state, { ...verdict, checkedAt: now() }, now()));
      }
    } finally {
      this.checking = undefined;
    }
    for (const b of bundlesToReconcile(e.state)) {
      if (!e.state.current) await this.reconcile(b.name, b.revision);
    }
  }

  /**
   * Whether the running operation `op` still runs: one that was terminated or timed out never
   * reports its end, so it is ended here. A look that fails (e.g. the worker may not describe
   * workflows) is recorded as the state's checkProblem; the entity looks again later.
   */
  async checkOperation(op: string): Promise<void> {
    const e = this.entity;
    let status: string;
    try {
      status = await quick.operationStatus(op);
    } catch (err) {
      if (e.state.current?.id === op) {
        e.update(recordCheckFailure(e.state, 'operationStatus', `cannot look up operation ${op}: ${rootFailure(err).message}`, now()));
      }
      return;
    }
    const looked = clearCheckProblem(e.state, 'operationStatus');
    if (status !== 'RUNNING' && looked.current?.id === op) {
      e.update(finishOperation(looked, {
        operationId: op,
        succeeded: false,
        message: `operation ${op} ended (${status}) without reporting its outcome`,
      }, now()));
    } else if (looked !== e.state) {
      e.update(looked);
    }
  }

  /**
   * Re-applies a drifted bundle's revision as an operation of the entity itself, so it holds
   * the cluster like any other (a claim meanwhile is refused as busy, never interleaved).
   */
  private async reconcile(bundle: string, revision: string): Promise<void> {
    const e = this.entity;
    const id = `${workflowInfo().workflowId}/reconcile/${bundle}/${now()}`;
    e.update(beginOperation(e.state, { id, type: 'reconcile', requestedBy: 'fleetflow auto-reconcile' }, now()));
    try {
      // Force: the point is to take back the fields someone else changed.
      const r = await long.applyStoredRevision({ target: targetOf(e.state), bundle, revision, force: true });
      const repaired = r.counts.created + r.counts.configured;
      const bundles = withReconcileOutcome(e.state.bundles, bundle, undefined, now());
      recordDriftReconciled(bundle, true);
      e.update(finishOperation(e.state, { operationId: id, succeeded: true, message: `re-applied ${bundle}@${revision}: ${repaired} objects repaired, ${r.counts.pruned} pruned`, patch: { bundles } }, now()));
    } catch (err) {
      const message = `auto-reconcile of ${bundle}@${revision} failed (suspended until the bundle is applied again): ${rootFailure(err).message}`;
      const bundles = withReconcileOutcome(e.state.bundles, bundle, message, now());
      recordDriftReconciled(bundle, false);
      e.update(finishOperation(e.state, { operationId: id, succeeded: false, message, patch: { bundles } }, now()));
    }
  }
}
