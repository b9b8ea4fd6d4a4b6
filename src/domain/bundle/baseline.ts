import type { ClusterSpec } from '../cluster/spec.js';

/** A Kubernetes manifest as plain data. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

export const BASELINE_BUNDLE = 'fleetflow-baseline';
export const SYSTEM_NAMESPACE = 'fleetflow-system';

/**
 * What every cluster gets at bootstrap: Fleetflow's namespace, a read-only role for the
 * platform team's tooling bound to a service account, and a ConfigMap describing the cluster
 * so that anyone on the cluster can tell what the inventory says about it.
 */
export function baselineBundle(spec: ClusterSpec): Manifest[] {
  const labels = { 'app.kubernetes.io/part-of': 'fleetflow' };
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: SYSTEM_NAMESPACE, labels } },
    {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'fleetflow-observer', namespace: SYSTEM_NAMESPACE, labels },
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'fleetflow:observer', labels },
      rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['get', 'list', 'watch'] }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'fleetflow:observer', labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'fleetflow:observer' },
      subjects: [{ kind: 'ServiceAccount', name: 'fleetflow-observer', namespace: SYSTEM_NAMESPACE }],
    },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'cluster-info', namespace: SYSTEM_NAMESPACE, labels },
      data: {
        name: spec.name,
        provider: spec.provider,
        region: spec.region,
        environment: spec.environment,
        labels: JSON.stringify(spec.labels),
        protected: String(spec.protected),
        ...(spec.description ? { description: spec.description } : {}),
      },
    },
  ];
}
