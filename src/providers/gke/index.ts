/** The GKE provider: clusters and node pools through the ClusterManager v1 API. */
export { GkeProvider } from './provider.js';
export type { AccessTokenSource, GkeProviderOptions } from './provider.js';
export { gkeError } from './errors.js';
