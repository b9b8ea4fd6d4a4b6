/**
 * Every metric Fleetflow exports, in one table: the name as Prometheus shows it, its kind,
 * help text and labels, and which process exports it. Workflows, activities, the worker's
 * fleet gauge and the API create their instruments from these rows (so a name is spelled
 * once), the Grafana dashboard test checks its queries against them, and the README's list
 * is kept equal to them by a test.
 *
 * Workflow code imports this file: it stays pure data.
 */

export type MetricKind = 'counter' | 'gauge' | 'histogram';

/** Who exports a metric: the worker's Prometheus endpoint (SDK runtime) or the API's /metrics. */
export type MetricSource = 'worker' | 'api';

export interface MetricDef {
  /** The instrument name; counters are exported with a `_total` suffix (see exportedName). */
  readonly name: string;
  readonly kind: MetricKind;
  readonly help: string;
  /** Fleetflow's labels; the SDK adds namespace, task_queue and workflow_type or activity_type on the worker. */
  readonly labels: readonly string[];
  readonly source: MetricSource;
  /** Histogram bucket bounds (seconds). */
  readonly buckets?: readonly number[];
}

const counter = (name: string, help: string, labels: readonly string[], source: MetricSource = 'worker'): MetricDef => ({ name, kind: 'counter', help, labels, source });
const gauge = (name: string, help: string, labels: readonly string[]): MetricDef => ({ name, kind: 'gauge', help, labels, source: 'worker' });
const histogram = (name: string, help: string, labels: readonly string[], buckets: readonly number[], source: MetricSource = 'worker'): MetricDef => ({
  name,
  kind: 'histogram',
  help,
  labels,
  source,
  buckets,
});

/** The table, by key. */
export const METRICS = {
  operationsStarted: counter('fleetflow_operations_started', 'Fleet operations started (counted once per operation, not per continue-as-new run)', ['type']),
  operationsFinished: counter('fleetflow_operations_finished', 'Fleet operations finished, by outcome (succeeded, failed, cancelled, aborted)', ['type', 'outcome']),
  activityFailures: counter('fleetflow_activity_failures', 'Activity attempts that failed, by failure type (src/domain/failure-types.ts) and whether a retry may fix it', ['failure_type', 'retryable']),
  clusters: gauge('fleetflow_clusters', 'Registered clusters by phase and health, counted through visibility every 15 s', ['phase', 'health']),
  stagedRunning: gauge('fleetflow_staged_operation_running', '1 while a staged operation (rollout, upgrade wave, fleet decommission) runs, 0 once it ended', ['type', 'operation_id']),
  stagedStage: gauge('fleetflow_staged_operation_stage', 'The stage a staged operation is at (1-based; the last stage once it ended)', ['type', 'operation_id']),
  stagedStages: gauge('fleetflow_staged_operation_stages', 'How many stages a staged operation has', ['type', 'operation_id']),
  stagedClusters: gauge('fleetflow_staged_operation_clusters', "A staged operation's clusters by status (pending, running, succeeded, failed)", ['type', 'operation_id', 'status']),
  healthCheckDuration: histogram('fleetflow_health_check_duration_seconds', 'How long one health check of a cluster took', ['cluster', 'status'], [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]),
  driftDetected: counter('fleetflow_bundle_drift_detected', 'Drift checks of an applied bundle that found drifted objects', ['bundle']),
  driftReconciled: counter('fleetflow_bundle_drift_reconciled', 'Auto-reconciles of a drifted bundle, by outcome (succeeded, failed)', ['bundle', 'outcome']),
  policyComplianceChanges: counter('fleetflow_policy_compliance_changes', 'Compliance changes of a (cluster, policy) cell of a fleet policy, by the state it changed to', ['fleet_policy', 'policy', 'to']),
  callbackDeliveries: counter('fleetflow_callback_deliveries', 'Change callbacks (signed webhooks) by outcome: delivered, or given up after retries', ['outcome']),
  apiRequests: counter('fleetflow_api_http_requests', 'HTTP requests the API answered, by route template, method and status', ['route', 'method', 'status'], 'api'),
  apiDuration: histogram('fleetflow_api_http_request_duration_seconds', 'How long the API took to answer, by route template and method', ['route', 'method'], [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], 'api'),
} as const satisfies Record<string, MetricDef>;

/** The series names a metric shows in Prometheus's text format (what PromQL may name). */
export function exportedNames(m: MetricDef): string[] {
  if (m.kind === 'counter') return [`${m.name}_total`];
  if (m.kind === 'histogram') return [`${m.name}_bucket`, `${m.name}_sum`, `${m.name}_count`];
  return [m.name];
}

/** Operation outcomes as labels: lower case, bounded. */
export type OperationOutcome = 'succeeded' | 'failed' | 'cancelled' | 'aborted';

/**
 * Workflow types counted as operations by fleetflow_operations_*: everything that changes
 * clusters for a caller. The cluster entity (the inventory itself) and the callbacks of a
 * change are long-lived helpers, not operations.
 */
export const OPERATION_WORKFLOW_TYPES: readonly string[] = [
  'provisionCluster',
  'upgradeCluster',
  'decommissionCluster',
  'applyBundleToCluster',
  'rollbackBundle',
  'fleetRollout',
  'upgradeWave',
  'fleetDecommission',
  'fleetChange',
];
