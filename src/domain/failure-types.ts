/**
 * Failure type names that retrying cannot fix. Activities throw them as non-retryable
 * ApplicationFailures; retry policies list them too, so a retry never hides one.
 */
export const NON_RETRYABLE_TYPES = [
  'InvalidClusterSpec',
  'InvalidInput',
  'UnsupportedVersion',
  'ClusterBusy',
  'ClusterNotFound',
  'ClusterProtected',
  'ClusterDeleted',
  'ClusterNotReady',
  'PermissionDenied',
  'KubeRequestRejected',
  'ProviderFailed',
  'ProviderNotConfigured',
  'AccountNotConfigured',
  'CredentialsMissing',
  'InvalidKubeconfig',
  'NotSupported',
  'DrainTimedOut',
  'FieldManagerConflict',
  'RolloutStuck',
  'ClusterUnhealthy',
  'RevisionNotFound',
  'BundleTooLarge',
  'InvalidBundle',
  'ClusterNameTaken',
  'ClusterAlreadyExists',
  'AccessDenied',
  'QuotaExceeded',
  'InvalidParameter',
] as const;

export type NonRetryableType = (typeof NON_RETRYABLE_TYPES)[number];
