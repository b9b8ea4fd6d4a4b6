import type { Client } from '@temporalio/client';
import type { MetricMeter } from '@temporalio/common';
import { CLUSTER_ENTITY_TYPE } from '../domain/cluster/inventory.js';
import { METRICS } from '../domain/telemetry/metrics.js';
import { listClusters } from './fleet-inventory.js';

/** How often the worker counts the fleet (Prometheus's default scrape interval). */
export const FLEET_GAUGE_INTERVAL_MS = 15_000;

/** Clusters by "phase/health" from inventory rows (health "Unknown" when not yet checked). */
export function countByPhaseAndHealth(rows: readonly { phase: string; health: string }[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of rows) {
    const key = `${r.phase || 'Unknown'}/${r.health || 'Unknown'}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/**
 * fleetflow_clusters{phase,health}: counted from visibility (one list of the running cluster
 * entities and their search attributes) every 15 s by the worker, rather than by each entity:
 * a gauge set by 500 entities would only say what the last one set, an up-down counter kept
 * by them would be lost on every worker restart (sinks are not called on replay), and the
 * count is what `fleetflow clusters list` shows. Combinations seen before and now empty go to 0.
 * Every worker of a deployment counts the same fleet: aggregate with max(), not sum().
 * Returns a stop function.
 */
export function startFleetGauge(client: Client, meter: MetricMeter, onError: (err: unknown) => void, intervalMs = FLEET_GAUGE_INTERVAL_MS): () => void {
  const m = METRICS.clusters;
  const gauge = meter.createGauge(m.name, 'int', undefined, m.help);
  const seen = new Set<string>();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const tick = async () => {
    try {
      const rows = await listClusters(client, `WorkflowType = '${CLUSTER_ENTITY_TYPE}' AND ExecutionStatus = 'Running'`);
      const counts = countByPhaseAndHealth(rows);
      for (const key of counts.keys()) seen.add(key);
      for (const key of seen) {
        const [phase, health] = key.split('/') as [string, string];
        gauge.set(counts.get(key) ?? 0, { phase, health });
      }
    } catch (err) {
      onError(err);
    }
    if (!stopped) timer = setTimeout(() => void tick(), intervalMs).unref();
  };
  void tick();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
