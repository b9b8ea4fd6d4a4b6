import type { protos } from '@google-cloud/container';
import { PermanentError } from '../../errors.js';
import { renderExecKubeconfig } from '../../kube/kubeconfig.js';

type Cluster = protos.google.container.v1.ICluster;

/** kubectl prints this when the plugin is missing (gcloud's own wording points to the same page). */
const INSTALL_HINT = 'Install gke-gcloud-auth-plugin for use with kubectl: https://cloud.google.com/kubernetes-engine/docs/how-to/cluster-access-for-kubectl#install_plugin';

/**
 * What `gcloud container clusters get-credentials` writes: the endpoint and CA from GetCluster
 * and, as the user, `gke-gcloud-auth-plugin`, so kubectl authenticates with the person's own
 * gcloud credentials. It holds no secret.
 */
export function gkeKubeconfig(cluster: Pick<Cluster, 'name' | 'endpoint' | 'masterAuth' | 'status'>, where: { project: string; location: string }): string {
  const ca = cluster.masterAuth?.clusterCaCertificate;
  if (!cluster.endpoint || !ca) {
    throw new PermanentError(`cluster ${cluster.name ?? ''}: GKE has no endpoint or CA for it yet (status ${String(cluster.status ?? 'unknown')}); ask again once it is RUNNING`, 'ClusterNotRunning');
  }
  return renderExecKubeconfig({
    cluster: `gke_${where.project}_${where.location}_${cluster.name ?? ''}`,
    endpoint: `https://${cluster.endpoint}`,
    caPem: Buffer.from(ca, 'base64').toString('utf8'),
    exec: { command: 'gke-gcloud-auth-plugin', installHint: INSTALL_HINT, provideClusterInfo: true },
  });
}
