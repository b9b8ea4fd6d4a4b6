/** The EKS provider: clusters and managed node groups through the AWS SDK. */
export { EksProvider } from './provider.js';
export type { EksProviderOptions } from './provider.js';
export { DEFAULT_TUNING, credentialsFor } from './client.js';
export type { EksTuning, AwsCredentials } from './client.js';
export { eksError } from './errors.js';
export { bearerToken, presignedUrlOf, requestToken, CLUSTER_ID_HEADER, TOKEN_PREFIX } from './tokens.js';
export { CREATE_TOKEN_TAG, MANAGED_BY_TAG, changeId, parseChangeId } from './mapping.js';
