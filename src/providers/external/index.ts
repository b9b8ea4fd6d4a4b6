/** The external provider: clusters Fleetflow reaches through a kubeconfig but never creates or deletes. */
export { ExternalProvider, externalProviderFor } from './provider.js';
export { externalCredentials } from './kubeconfig-source.js';
