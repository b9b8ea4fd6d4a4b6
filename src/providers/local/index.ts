/** The local provider: whole clusters (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, KWOK nodes) on this machine. */
export { LocalProvider } from './provider.js';
export type { LocalProviderOptions } from './provider.js';
export type { LiveProcesses } from './control-plane.js';
export type { LocalClusterState } from './state.js';
export { SERVING_SANS, ADMIN_SUBJECT, generatePki } from './certs.js';
export { PROCESS_NAMES } from './components.js';
