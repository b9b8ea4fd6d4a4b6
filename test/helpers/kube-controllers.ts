import {
  AppsV1Api,
  CoreV1Api,
  PolicyV1Api,
  type V1OwnerReference,
  type V1Pod,
} from '@kubernetes/client-node';
import { kubeConfigFor } from '../../src/kube/client.js';
import type { ClusterCredentials } from '../../src/kube/credentials.js';

/**
 * A bare kube-apiserver runs no controllers and no kubelets, so tests play their parts: they
 * register Nodes and write Node, Pod, Deployment, DaemonSet and PodDisruptionBudget status
 * through the status subresources, as the real components would.
 */
export function fakeControllers(creds: ClusterCredentials) {
  const kc = kubeConfigFor(creds);
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const policy = kc.makeApiClient(PolicyV1Api);
  const template = (labels: Record<string, string>) => ({ metadata: { labels }, spec: { containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10' }] } });

  return {
    core,
    apps,
    policy,

    /** Registers a Node (the kubelet's part) and reports it Ready or NotReady. */
    async node(name: string, ready = true): Promise<void> {
      await core.createNode({ body: { metadata: { name, labels: { 'kubernetes.io/hostname': name } } } });
      await this.setNodeReady(name, ready);
    },

    /** Writes the Ready condition as the kubelet (True) or the node lifecycle controller (Unknown) would. */
    async setNodeReady(name: string, ready: boolean): Promise<void> {
      const node = await core.readNode({ name });
      const now = new Date();
      node.status = {
        ...node.status,
        conditions: [{ type: 'Ready', status: ready ? 'True' : 'Unknown', reason: ready ? 'KubeletReady' : 'NodeStatusUnknown', lastHeartbeatTime: now, lastTransitionTime: now }],
      };
      await core.replaceNodeStatus({ name, body: node });
    },

    /** A Running, Ready pod bound to `node` (there is no scheduler: nodeName is set at creation). */
    async pod(namespace: string, name: string, node: string, opts: { labels?: Record<string, string>; owner?: V1OwnerReference; annotations?: Record<string, string> } = {}): Promise<V1Pod> {
      const created = await core.createNamespacedPod({
        namespace,
        body: {
          metadata: { name, labels: opts.labels ?? {}, ...(opts.annotations ? { annotations: opts.annotations } : {}), ...(opts.owner ? { ownerReferences: [opts.owner] } : {}) },
          spec: { nodeName: node, ...template({}).spec },
        },
      });
      created.status = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] };
      return core.replaceNamespacedPodStatus({ name, namespace, body: created });
    },

    /** A PodDisruptionBudget with the status the disruption controller would write. */
    async pdb(namespace: string, name: string, matchLabels: Record<string, string>, minAvailable: number, disruptionsAllowed: number): Promise<void> {
      await policy.createNamespacedPodDisruptionBudget({ namespace, body: { metadata: { name }, spec: { minAvailable, selector: { matchLabels } } } });
      await this.setDisruptionsAllowed(namespace, name, disruptionsAllowed);
    },

    /**
     * Rewrites a PDB's status (observedGeneration current, so the eviction API trusts it).
     * currentHealthy/desiredHealthy are written to agree with disruptionsAllowed.
     */
    async setDisruptionsAllowed(namespace: string, name: string, disruptionsAllowed: number): Promise<void> {
      const pdb = await policy.readNamespacedPodDisruptionBudget({ name, namespace });
      const desired = typeof pdb.spec?.minAvailable === 'number' ? pdb.spec.minAvailable : 1;
      pdb.status = {
        observedGeneration: pdb.metadata?.generation ?? 1,
        disruptionsAllowed,
        currentHealthy: desired + disruptionsAllowed,
        desiredHealthy: desired,
        expectedPods: desired + disruptionsAllowed,
      };
      await policy.replaceNamespacedPodDisruptionBudgetStatus({ name, namespace, body: pdb });
    },

    /** A Deployment with `available` of `replicas` available, as the deployment controller reports it. */
    async deployment(namespace: string, name: string, replicas: number, available: number): Promise<void> {
      const labels = { app: name };
      await apps.createNamespacedDeployment({ namespace, body: { metadata: { name }, spec: { replicas, selector: { matchLabels: labels }, template: template(labels) } } });
      await this.setDeploymentAvailable(namespace, name, available);
    },

    async setDeploymentAvailable(namespace: string, name: string, available: number): Promise<void> {
      const d = await apps.readNamespacedDeployment({ name, namespace });
      d.status = { observedGeneration: d.metadata?.generation ?? 1, replicas: d.spec?.replicas ?? 1, readyReplicas: available, availableReplicas: available, updatedReplicas: d.spec?.replicas ?? 1 };
      await apps.replaceNamespacedDeploymentStatus({ name, namespace, body: d });
    },

    /** A DaemonSet scheduled on `desired` nodes with `available` pods available. */
    async daemonSet(namespace: string, name: string, desired: number, available: number): Promise<void> {
      const labels = { app: name };
      const ds = await apps.createNamespacedDaemonSet({ namespace, body: { metadata: { name }, spec: { selector: { matchLabels: labels }, template: template(labels) } } });
      ds.status = { currentNumberScheduled: desired, desiredNumberScheduled: desired, numberMisscheduled: 0, numberReady: available, numberAvailable: available };
      await apps.replaceNamespacedDaemonSetStatus({ name, namespace, body: ds });
    },

    /** The kubelet finishing graceful termination: removes pods on `node` that have a deletionTimestamp. */
    async finishTerminating(node: string): Promise<string[]> {
      const pods = await core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${node}` });
      const done: string[] = [];
      for (const p of pods.items.filter((p) => p.metadata?.deletionTimestamp)) {
        await core.deleteNamespacedPod({ name: p.metadata!.name!, namespace: p.metadata!.namespace!, gracePeriodSeconds: 0 });
        done.push(`${p.metadata!.namespace}/${p.metadata!.name}`);
      }
      return done;
    },

    /** "namespace/name" of the pods bound to `node`, sorted. */
    async podsOn(node: string): Promise<string[]> {
      const pods = await core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${node}` });
      return pods.items.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`).sort();
    },
  };
}
