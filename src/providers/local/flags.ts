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
 * kube-apiserver with envtest's flags (RBAC, client-cert users, service-account keys, no
 * ServiceAccount admission since no controller creates tokens), plus a few that make it
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
