import type { ClusterSpec } from '../cluster/spec.js';

/** A Kubernetes manifest as plain data. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

const RBAC = 'rbac.authorization.k8s.io/v1';

export const BASELINE_BUNDLE = 'fleetflow-baseline';
export const SYSTEM_NAMESPACE = 'fleetflow-system';
/** The read-only identity on every cluster: a ServiceAccount in SYSTEM_NAMESPACE. */
export const OBSERVER = 'fleetflow-observer';
/** The name of its ClusterRole, ClusterRoleBinding, Role and RoleBinding. */
export const OBSERVER_ROLE = 'fleetflow:observer';

/** A ClusterRole or Role rule. */
export interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  nonResourceURLs?: string[];
  verbs: string[];
}

const READ = ['get', 'list', 'watch'];

/**
 * What Fleetflow's read-only checks read, and nothing else: no Secrets, no ConfigMaps outside
 * SYSTEM_NAMESPACE (they often hold configuration as sensitive as Secrets), no Pod logs or exec,
 * no write of any kind. Each rule names the check that needs it (src/kube).
 */
export const OBSERVER_RULES: readonly PolicyRule[] = [
  // health (cluster-health.ts): readiness and release of the API server
  { nonResourceURLs: ['/readyz', '/readyz/*', '/livez', '/livez/*', '/healthz', '/version'], verbs: ['get'] },
  // health: Nodes; drain (drain.ts): a Node and the Pods on it
  { apiGroups: [''], resources: ['nodes', 'pods'], verbs: READ },
  // health: kube-system workloads; rollout status (rollout.ts); removed-API scan
  { apiGroups: ['apps', 'extensions'], resources: ['deployments', 'daemonsets', 'statefulsets', 'replicasets'], verbs: READ },
  // removed-API scan (api-scan.ts, table in src/domain/upgrade/removed-apis.ts): every listable kind in it
  { apiGroups: ['networking.k8s.io', 'extensions'], resources: ['networkpolicies', 'ingresses', 'ingressclasses'], verbs: READ },
  { apiGroups: ['policy', 'extensions'], resources: ['poddisruptionbudgets', 'podsecuritypolicies'], verbs: READ },
  { apiGroups: ['admissionregistration.k8s.io'], resources: ['mutatingwebhookconfigurations', 'validatingwebhookconfigurations'], verbs: READ },
  { apiGroups: ['apiextensions.k8s.io'], resources: ['customresourcedefinitions'], verbs: READ },
  { apiGroups: ['apiregistration.k8s.io'], resources: ['apiservices'], verbs: READ },
  { apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests'], verbs: READ },
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: READ },
  { apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles', 'clusterrolebindings', 'roles', 'rolebindings'], verbs: READ },
  { apiGroups: ['scheduling.k8s.io'], resources: ['priorityclasses'], verbs: READ },
  { apiGroups: ['storage.k8s.io'], resources: ['csidrivers', 'csinodes', 'storageclasses', 'volumeattachments', 'csistoragecapacities'], verbs: READ },
  { apiGroups: ['batch'], resources: ['cronjobs'], verbs: READ },
  { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: READ },
  { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: READ },
  { apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers'], verbs: READ },
  { apiGroups: ['node.k8s.io'], resources: ['runtimeclasses'], verbs: READ },
  { apiGroups: ['flowcontrol.apiserver.k8s.io'], resources: ['flowschemas', 'prioritylevelconfigurations'], verbs: READ },
];

/** In SYSTEM_NAMESPACE only: the bundle revisions kept on the cluster, ApplySet parents and cluster-info (drift, rollback). */
export const OBSERVER_NAMESPACE_RULES: readonly PolicyRule[] = [{ apiGroups: [''], resources: ['configmaps'], verbs: READ }];

/**
 * What every cluster gets at bootstrap: Fleetflow's namespace, a read-only identity (service
 * account `fleetflow-observer`, bound to OBSERVER_RULES cluster-wide and to the ConfigMaps of
 * Fleetflow's namespace) for the platform team's tooling and any agent that only looks, and a
 * ConfigMap describing the cluster so that anyone on the cluster can tell what the inventory
 * says about it.
 */
export function baselineBundle(spec: ClusterSpec): Manifest[] {
  const labels = { 'app.kubernetes.io/part-of': 'fleetflow' };
  const observer = { kind: 'ServiceAccount', name: OBSERVER, namespace: SYSTEM_NAMESPACE };
  const roleRef = (kind: 'ClusterRole' | 'Role') => ({ apiGroup: 'rbac.authorization.k8s.io', kind, name: OBSERVER_ROLE });
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: SYSTEM_NAMESPACE, labels } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: OBSERVER, namespace: SYSTEM_NAMESPACE, labels } },
    { apiVersion: RBAC, kind: 'ClusterRole', metadata: { name: OBSERVER_ROLE, labels }, rules: [...OBSERVER_RULES] },
    { apiVersion: RBAC, kind: 'ClusterRoleBinding', metadata: { name: OBSERVER_ROLE, labels }, roleRef: roleRef('ClusterRole'), subjects: [observer] },
    { apiVersion: RBAC, kind: 'Role', metadata: { name: OBSERVER_ROLE, namespace: SYSTEM_NAMESPACE, labels }, rules: [...OBSERVER_NAMESPACE_RULES] },
    { apiVersion: RBAC, kind: 'RoleBinding', metadata: { name: OBSERVER_ROLE, namespace: SYSTEM_NAMESPACE, labels }, roleRef: roleRef('Role'), subjects: [observer] },
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
