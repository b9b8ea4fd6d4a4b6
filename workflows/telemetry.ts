import { metricMeter } from '@temporalio/workflow';
import { METRICS, type MetricDef } from '../src/domain/telemetry/metrics.js';
import { stagedGaugeValues } from '../src/domain/telemetry/staged-gauges.js';
import type { Decision } from '../src/domain/staged/engine.js';

/**
 * Fleetflow's metrics from workflow code, through the workflow metric meter: its values go out
 * through a sink the SDK does not call while replaying, so a history replayed on another worker
 * (or after a restart) never counts twice. Definitions live in src/domain/telemetry/metrics.ts.
 */

const counter = (m: MetricDef) => metricMeter.createCounter(m.name, undefined, m.help);
const gauge = (m: MetricDef) => metricMeter.createGauge(m.name, 'int', undefined, m.help);

/** The staged-operation gauges from the engine's latest decision. */
export function recordStagedProgress(type: string, operationId: string, d: Pick<Decision, 'outcome' | 'stage' | 'stages'>, ended: boolean): void {
  const v = stagedGaugeValues(d, ended);
  const tags = { type, operation_id: operationId };
  gauge(METRICS.stagedRunning).set(v.running, tags);
  gauge(METRICS.stagedStage).set(v.stage, tags);
  gauge(METRICS.stagedStages).set(v.stages, tags);
  const clusters = gauge(METRICS.stagedClusters);
  for (const [status, n] of Object.entries(v.clusters)) clusters.set(n, { ...tags, status });
}

/** A drift check found drifted objects of `bundle`. */
export function recordDriftDetected(bundle: string): void {
  counter(METRICS.driftDetected).add(1, { bundle });
}

/** An auto-reconcile of `bundle` ended. */
export function recordDriftReconciled(bundle: string, succeeded: boolean): void {
  counter(METRICS.driftReconciled).add(1, { bundle, outcome: succeeded ? 'succeeded' : 'failed' });
}

/** One callback delivery ended: delivered, or given up after its retries. */
export function recordCallbackDelivery(delivered: boolean): void {
  counter(METRICS.callbackDeliveries).add(1, { outcome: delivered ? 'delivered' : 'given_up' });
}

/** A (cluster, policy) cell of a fleet policy changed compliance state. */
export function recordComplianceChange(fleetPolicy: string, policy: string, to: string): void {
  counter(METRICS.policyComplianceChanges).add(1, { fleet_policy: fleetPolicy, policy, to });
}
