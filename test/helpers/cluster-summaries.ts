import type { ClusterSummary } from '../../src/domain/selection/fleet-selector.js';

/** A healthy Active cluster summary for placement tests; tests override what they are about. */
export function cluster(name: string, over: Partial<ClusterSummary> = {}): ClusterSummary {
  return { name, provider: 'local', region: 'eu-west-1', environment: 'dev', version: '1.35.4', labels: {}, phase: 'Active', protected: false, ...over };
}
