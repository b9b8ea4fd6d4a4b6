import { join, resolve } from 'node:path';

/**
 * Where everything of one local cluster lives. The folder is the cluster: it exists exactly
 * when the cluster does (create renames a finished temp folder into place; delete renames it
 * away before removing it), and every process of the cluster names it on its command line,
 * which is how a pid is told apart from a reused one.
 */
export interface ClusterPaths {
  dir: string;
  state: string;
  kubeconfig: string;
  certs: string;
  etcdData: string;
  etcdLog: string;
  apiserverLog: string;
  controllerManagerKubeconfig: string;
  controllerManagerLog: string;
  schedulerKubeconfig: string;
  /** KubeSchedulerConfiguration: the scheduler takes its kubeconfig and leader election from it. */
  schedulerConfig: string;
  schedulerLog: string;
  kwokKubeconfig: string;
  /** KWOK's Stage documents (kwok-stages.ts). */
  kwokConfig: string;
  kwokLog: string;
  /** O_EXCL lock serialising create/start/delete of this name; a sibling, not inside `dir`. */
  lock: string;
}

/** The folder that holds every cluster of a data dir. */
export function clustersDir(dataDir: string): string {
  return join(resolve(dataDir), 'clusters');
}

/** Paths for cluster `name`, absolute (a relative dataDir would not match /proc cmdlines). */
export function clusterPaths(dataDir: string, name: string): ClusterPaths {
  return pathsIn(join(clustersDir(dataDir), name), join(clustersDir(dataDir), `.${name}.lock`));
}

/** The same layout rooted at another folder: create builds a cluster in a temp folder first. */
export function pathsIn(dir: string, lock: string): ClusterPaths {
  return {
    dir,
    state: join(dir, 'state.json'),
    kubeconfig: join(dir, 'kubeconfig'),
    certs: join(dir, 'certs'),
    etcdData: join(dir, 'etcd'),
    etcdLog: join(dir, 'etcd.log'),
    apiserverLog: join(dir, 'kube-apiserver.log'),
    controllerManagerKubeconfig: join(dir, 'kube-controller-manager.kubeconfig'),
    controllerManagerLog: join(dir, 'kube-controller-manager.log'),
    schedulerKubeconfig: join(dir, 'kube-scheduler.kubeconfig'),
    schedulerConfig: join(dir, 'kube-scheduler.yaml'),
    schedulerLog: join(dir, 'kube-scheduler.log'),
    kwokKubeconfig: join(dir, 'kwok.kubeconfig'),
    kwokConfig: join(dir, 'kwok.yaml'),
    kwokLog: join(dir, 'kwok.log'),
    lock,
  };
}

/** Certificate and key files under `certs/`. */
export function certFiles(certsDir: string) {
  const f = (n: string) => join(certsDir, n);
  return {
    caCert: f('ca.crt'),
    caKey: f('ca.key'),
    servingCert: f('apiserver.crt'),
    servingKey: f('apiserver.key'),
    clientCaCert: f('client-ca.crt'),
    clientCaKey: f('client-ca.key'),
    adminCert: f('admin.crt'),
    adminKey: f('admin.key'),
    saPublicKey: f('sa.pub'),
    saPrivateKey: f('sa.key'),
    // Client certificates of the components beside the API server (their kubeconfigs are made from them).
    controllerManagerCert: f('kube-controller-manager.crt'),
    controllerManagerKey: f('kube-controller-manager.key'),
    schedulerCert: f('kube-scheduler.crt'),
    schedulerKey: f('kube-scheduler.key'),
    kwokCert: f('kwok.crt'),
    kwokKey: f('kwok.key'),
    // Serving certificates of their loopback health ports, from the serving CA.
    controllerManagerServingCert: f('kube-controller-manager-serving.crt'),
    controllerManagerServingKey: f('kube-controller-manager-serving.key'),
    schedulerServingCert: f('kube-scheduler-serving.crt'),
    schedulerServingKey: f('kube-scheduler-serving.key'),
  };
}
