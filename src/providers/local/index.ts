/** The local provider: real etcd + kube-apiserver control planes on this machine. */
export { LocalProvider } from './provider.js';
export type { LocalProviderOptions } from './provider.js';
export type { LiveProcesses } from './control-plane.js';
export type { LocalClusterState } from './state.js';
export { SERVING_SANS, ADMIN_SUBJECT, generatePki } from './certs.js';
