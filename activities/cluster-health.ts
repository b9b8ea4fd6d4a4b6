import { METRICS } from '../src/domain/telemetry/metrics.js';
import { HealthCheckInputSchema, type HealthCheckInput } from '../src/domain/cluster/kube-operation-inputs.js';
import { checkClusterHealth, type ClusterHealthReport } from '../src/kube/cluster-health.js';
import type { ProviderRegistry } from '../src/providers/registry.js';
import { clusterNameOf, credentialsFor, parseInput } from './cluster-access.js';
import { activityMeter } from './activity-meter.js';
import { step } from './errors.js';

/** The health check of a cluster: a quick call (each probe has a 5 s timeout). */
export function clusterHealthActivities(providers: ProviderRegistry) {
  return {
    /**
     * Healthy / Degraded / Unreachable with reasons. An unreachable or degraded cluster is a
     * result, not a failure; only a bad input or unresolvable credentials fail the activity.
     */
    async checkClusterHealth(input: HealthCheckInput): Promise<ClusterHealthReport> {
      return step(clusterNameOf(input), 'checking health', async () => {
        const { target, expectedVersion, minReadyNodes } = parseInput(HealthCheckInputSchema, input);
        const creds = await credentialsFor(providers, target);
        const started = performance.now();
        const report = await checkClusterHealth(creds, {
          ...(expectedVersion ? { expectedVersion } : {}),
          ...(minReadyNodes !== undefined ? { policy: { minReadyNodes } } : {}),
        });
        // The probes' time only: resolving credentials is the provider's, traced on its own.
        const m = METRICS.healthCheckDuration;
        activityMeter()?.createHistogram(m.name, 'float', 's', m.help).record((performance.now() - started) / 1000, { cluster: target.name, status: report.status });
        return report;
      });
    },
  };
}
