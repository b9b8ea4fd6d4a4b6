import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoDir } from '../../src/host/toolchain.js';

/** The Grafana dashboard in the repository. */
export const DASHBOARD_FILE = join(repoDir, 'deploy', 'grafana', 'fleetflow.json');

interface Panel {
  title?: string;
  targets?: { expr?: string }[];
  panels?: Panel[];
}

/** Every PromQL expression of the dashboard, with its panel's title. */
export function dashboardExpressions(): { panel: string; expr: string }[] {
  const dashboard = JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as { panels: Panel[] };
  const walk = (ps: Panel[]): { panel: string; expr: string }[] =>
    ps.flatMap((p) => [...(p.targets ?? []).flatMap((t) => (t.expr ? [{ panel: p.title ?? '', expr: t.expr }] : [])), ...walk(p.panels ?? [])]);
  return walk(dashboard.panels);
}

/** The metric names the dashboard's expressions use (Fleetflow's and the SDK's: fleetflow_*, temporal_*). */
export function dashboardMetricNames(): string[] {
  const names = new Set<string>();
  for (const { expr } of dashboardExpressions()) for (const m of expr.matchAll(/\b(?:fleetflow|temporal)_[a-zA-Z0-9_:]*/g)) names.add(m[0]);
  return [...names].sort();
}

/**
 * The SDK runtime metrics as the worker exports them (counters with _total, durations in
 * seconds; see workers/telemetry.ts), as seen on a worker's endpoint with SDK 1.24. The
 * integration test worker-metrics checks the ones the dashboard uses against a real scrape.
 */
export const SDK_METRICS: readonly string[] = [
  'temporal_num_pollers',
  'temporal_request_total',
  'temporal_long_request_total',
  'temporal_sticky_cache_size',
  'temporal_worker_start_total',
  'temporal_worker_task_slots_available',
  'temporal_worker_task_slots_used',
  'temporal_workflow_failed_total',
  'temporal_workflow_completed_total',
  'temporal_workflow_task_queue_poll_succeed_total',
  'temporal_activity_execution_failed_total',
  ...['request_latency', 'long_request_latency', 'workflow_endtoend_latency', 'workflow_task_execution_latency', 'workflow_task_schedule_to_start_latency', 'activity_schedule_to_start_latency', 'activity_execution_latency'].flatMap((h) =>
    ['bucket', 'sum', 'count'].map((s) => `temporal_${h}_${s}`),
  ),
];
