import type { V1ClusterRole, V1ClusterRoleBinding } from '@kubernetes/client-node';
import { isApiException, kube } from '../../kube/library.js';
import { kubeConfigFor } from '../../kube/client.js';
import type { ClusterCredentials } from '../../kube/credentials.js';
import { kubeError } from '../../kube/errors.js';

/** The user KWOK's client certificate names (certs.ts COMPONENT_SUBJECTS.kwok). */
export const KWOK_USER = 'fleetflow-kwok';
const NAME = 'fleetflow:kwok';

/**
 * What KWOK does as the kubelet of every simulated node, and nothing more: read Nodes and
 * write their status, renew node Leases, move Pods through their stages (status writes, and
 * deletes once a terminating Pod's grace ends), and record Events. It reads its stages from a
 * file, not from KWOK's custom resources, so it needs no rights on those. It cannot read
 * Secrets, create workloads or change RBAC, as a system:masters identity could.
 */
export const KWOK_ROLE: V1ClusterRole = {
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRole',
  metadata: { name: NAME, labels: { 'app.kubernetes.io/managed-by': 'fleetflow' } },
  rules: [
    { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch'] },
    { apiGroups: [''], resources: ['nodes/status', 'pods/status'], verbs: ['patch', 'update'] },
    { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch', 'patch', 'update', 'delete'] },
    { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'list', 'watch', 'create', 'patch', 'update'] },
    { apiGroups: ['', 'events.k8s.io'], resources: ['events'], verbs: ['get', 'list', 'watch', 'create', 'patch', 'update'] },
  ],
};

export const KWOK_ROLE_BINDING: V1ClusterRoleBinding = {
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRoleBinding',
  metadata: { name: NAME, labels: { 'app.kubernetes.io/managed-by': 'fleetflow' } },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: NAME },
  subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: KWOK_USER }],
};

/**
 * Grants KWOK its role on a fresh API server (as the admin), before KWOK starts: created once,
 * replaced if someone changed it, so a restart repairs it.
 */
export async function ensureKwokRole(creds: ClusterCredentials, cluster: string): Promise<void> {
  const rbac = kubeConfigFor(creds).makeApiClient(kube().RbacAuthorizationV1Api);
  try {
    await upsert(
      () => rbac.createClusterRole({ body: KWOK_ROLE }),
      () => rbac.replaceClusterRole({ name: NAME, body: KWOK_ROLE }),
    );
    await upsert(
      () => rbac.createClusterRoleBinding({ body: KWOK_ROLE_BINDING }),
      () => rbac.replaceClusterRoleBinding({ name: NAME, body: KWOK_ROLE_BINDING }),
    );
  } catch (e) {
    throw kubeError(e, `cluster ${cluster}: grant KWOK its role`);
  }
}

async function upsert(create: () => Promise<unknown>, replace: () => Promise<unknown>): Promise<void> {
  try {
    await create();
  } catch (e) {
    if (!(isApiException(e) && e.code === 409)) throw e;
    await replace();
  }
}
