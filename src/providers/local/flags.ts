import type { ClusterPaths } from './paths.js';
import { certFiles } from './paths.js';
import type { LocalClusterState } from './state.js';

/** The service range of every local cluster; its first address (10.0.0.1) is in the serving cert. */
export const SERVICE_CIDR = '10.0.0.0/24';
export const SERVICE_ACCOUNT_ISSUER = 'https://kubernetes.default.svc';

const url = (port: number) => `http://127.0.0.1:${port}`;

/**
 * etcd as envtest runs it: one member on loopback, peer port on loopback too (it is never
 * used, but etcd always listens on one), no fsync (a local cluster trades crash safety of its
 * last writes for speed on a shared disk), warnings only in the log.
 */
export function etcdArgs(paths: ClusterPaths, ports: LocalClusterState['ports']): string[] {
  const peer = url(ports.etcdPeer);
  return [
    '--name=default',
    `--data-dir=${paths.etcdData}`,
    `--listen-client-urls=${url(ports.etcdClient)}`,
    `--advertise-client-urls=${url(ports.etcdClient)}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=default=${peer}`,
    '--unsafe-no-fsync',
    '--log-level=warn',
  ];
}

/**
 * kube-apiserver with envtest's flags (RBAC, client-cert users, service-account keys), plus a
 * few that make it
 * lighter for several clusters on a small machine:
 * - --endpoint-reconciler-type=none: the default reconciler writes the "kubernetes" service
 *   endpoints with the advertise address, and a loopback address is refused there, so it
 *   would fail forever in the log.
 * - --enable-priority-and-fairness=false: no APF config objects and controllers; a local
 *   cluster has one user.
 * - --watch-cache=false: watches and lists go to etcd instead of an in-memory copy of every
 *   resource; measured here: ~10-20 MB less RSS and lower idle CPU per API server, no
 *   visible cost for a handful of clients.
 * - --profiling=false: no pprof handlers.
 * - --disable-admission-plugins=ServiceAccount: pods run nowhere (KWOK only writes their
 *   status), so a mounted token has no reader, and the admission would refuse every pod of a
 *   new namespace until the service-account controller has made its "default" account.
 * Measured but not used: GOMEMLIMIT=128MiB cut RSS to ~200 MB but cost a third more CPU in GC.
 * `extra` comes last (LocalProviderOptions.extraApiserverArgs), e.g. a token file for tests.
 */
export function apiserverArgs(paths: ClusterPaths, ports: LocalClusterState['ports'], extra: readonly string[] = []): string[] {
  const f = certFiles(paths.certs);
  return [
    `--etcd-servers=${url(ports.etcdClient)}`,
    `--secure-port=${ports.apiserver}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--cert-dir=${paths.certs}`,
    `--tls-cert-file=${f.servingCert}`,
    `--tls-private-key-file=${f.servingKey}`,
    `--client-ca-file=${f.clientCaCert}`,
    `--service-cluster-ip-range=${SERVICE_CIDR}`,
    '--allow-privileged=true',
    '--disable-admission-plugins=ServiceAccount',
    '--authorization-mode=RBAC',
    `--service-account-issuer=${SERVICE_ACCOUNT_ISSUER}`,
    `--service-account-key-file=${f.saPublicKey}`,
    `--service-account-signing-key-file=${f.saPrivateKey}`,
    '--endpoint-reconciler-type=none',
    '--enable-priority-and-fairness=false',
    '--watch-cache=false',
    '--profiling=false',
    ...extra,
  ];
}

/**
 * The whole argument (NUL-terminated, as in /proc/<pid>/cmdline) that marks a process as this
 * cluster's etcd: its data folder. Whole, so cluster "a" never matches cluster "ab".
 */
export const etcdMarker = (paths: ClusterPaths) => `--data-dir=${paths.etcdData}\0`;
/** The whole argument that marks a process as this cluster's kube-apiserver. */
export const apiserverMarker = (paths: ClusterPaths) => `--cert-dir=${paths.certs}\0`;
/** ... its kube-controller-manager (its kubeconfig, which only it reads). */
export const controllerManagerMarker = (paths: ClusterPaths) => `--kubeconfig=${paths.controllerManagerKubeconfig}\0`;
/** ... its kube-scheduler (its configuration file). */
export const schedulerMarker = (paths: ClusterPaths) => `--config=${paths.schedulerConfig}\0`;
/** ... its KWOK. */
export const kwokMarker = (paths: ClusterPaths) => `--kubeconfig=${paths.kwokKubeconfig}\0`;

/**
 * The controllers a local cluster runs: every one that workloads, PodDisruptionBudgets, nodes,
 * namespaces, service accounts, RBAC aggregation and garbage collection need to behave as on a
 * real cluster. Left out: those that need a cloud, storage, kubelet certificates or metrics
 * (routes, load balancers, IPAM, volumes, CSRs, autoscaling), which a simulated node cannot
 * serve. So a PersistentVolumeClaim stays Pending, and a pod that needs one is not scheduled.
 */
export const CONTROLLERS = [
  'clusterrole-aggregation-controller',
  'cronjob-controller',
  'daemonset-controller',
  'deployment-controller',
  'disruption-controller',
  'endpoints-controller',
  'endpointslice-controller',
  'garbage-collector-controller',
  'job-controller',
  'namespace-controller',
  'node-lifecycle-controller',
  'pod-garbage-collector-controller',
  'replicaset-controller',
  'replicationcontroller-controller',
  'resourcequota-controller',
  'root-ca-certificate-publisher-controller',
  'serviceaccount-controller',
  'serviceaccount-token-controller',
  'statefulset-controller',
  'taint-eviction-controller',
  'ttl-after-finished-controller',
] as const;

/**
 * How long a node may miss its heartbeat (KWOK renews each node's Lease every quarter of
 * NODE_LEASE_SECONDS) before the node lifecycle controller marks it NotReady. Shorter than
 * the 50 s default so a lost node shows within half a minute; still four missed renewals.
 */
export const NODE_LEASE_SECONDS = 20;
export const NODE_MONITOR_GRACE = '20s';

/**
 * kube-controller-manager as kubeadm runs it, on loopback: leader election off (one replica),
 * each controller with its own service account's token (--use-service-account-credentials),
 * the service-account signing key shared with the API server (the legacy token controller
 * signs with it) and the serving CA published into every namespace as kube-root-ca.crt.
 */
export function controllerManagerArgs(paths: ClusterPaths, ports: { controllerManager: number }): string[] {
  const f = certFiles(paths.certs);
  return [
    `--kubeconfig=${paths.controllerManagerKubeconfig}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${ports.controllerManager}`,
    `--tls-cert-file=${f.controllerManagerServingCert}`,
    `--tls-private-key-file=${f.controllerManagerServingKey}`,
    '--leader-elect=false',
    '--use-service-account-credentials=true',
    `--service-account-private-key-file=${f.saPrivateKey}`,
    `--root-ca-file=${f.caCert}`,
    `--service-cluster-ip-range=${SERVICE_CIDR}`,
    `--controllers=${CONTROLLERS.join(',')}`,
    `--node-monitor-grace-period=${NODE_MONITOR_GRACE}`,
    '--node-monitor-period=2s',
    '--profiling=false',
  ];
}

/** kube-scheduler: its kubeconfig and leader election come from its configuration file. */
export function schedulerArgs(paths: ClusterPaths, ports: { scheduler: number }): string[] {
  const f = certFiles(paths.certs);
  return [
    `--config=${paths.schedulerConfig}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${ports.scheduler}`,
    `--tls-cert-file=${f.schedulerServingCert}`,
    `--tls-private-key-file=${f.schedulerServingKey}`,
  ];
}

/** The KubeSchedulerConfiguration the scheduler reads (--config). */
export function schedulerConfigYaml(paths: ClusterPaths): string {
  return [
    'apiVersion: kubescheduler.config.k8s.io/v1',
    'kind: KubeSchedulerConfiguration',
    'clientConnection:',
    `  kubeconfig: ${JSON.stringify(paths.schedulerKubeconfig)}`,
    'leaderElection:',
    '  leaderElect: false',
    'enableProfiling: false',
    '',
  ].join('\n');
}

/** The pod network KWOK gives pod IPs from: apart from the service range. */
export const POD_CIDR = '10.244.0.0/16';

/**
 * KWOK managing only the Nodes the provider registered for it (annotated
 * kwok.x-k8s.io/node=fake), with the stages of kwok-stages.ts, renewing node Leases. It opens
 * no port: no --server-address, so no kubelet API (logs and exec have no containers to reach).
 */
export function kwokArgs(paths: ClusterPaths): string[] {
  return [
    `--kubeconfig=${paths.kwokKubeconfig}`,
    `--config=${paths.kwokConfig}`,
    '--manage-all-nodes=false',
    '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
    `--node-lease-duration-seconds=${NODE_LEASE_SECONDS}`,
    `--cidr=${POD_CIDR}`,
    // Warnings only: at INFO it logs every lease renewal of every node.
    '--v=WARN',
  ];
}
