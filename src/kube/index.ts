/** Kubernetes access for activities: clients from credentials, apply, read, health. */
export { kubeConfigFor, objectApi } from './client.js';
export { renderKubeconfig } from './kubeconfig.js';
export { applyBundle, BUNDLE_LABEL, MANAGED_BY_LABEL, MANAGED_BY_VALUE } from './apply.js';
export { orderForApply, prepareManifest, parseBundle } from './apply-plan.js';
export type { ApplyAction, ApplyOptions, AppliedObject } from './apply.js';
export { applySetId } from './applyset.js';
export { diffBundle } from './diff.js';
export type { BundleDiff, DriftedObject } from './diff.js';
export { waitForRollout, rolloutRefs } from './rollout.js';
export type { RolloutReport, WorkloadRollout, WaitOptions } from './rollout.js';
export { readObject, describeRef } from './read.js';
export type { ObjectRef } from './read.js';
export { apiServerHealth, serverVersion } from './health.js';
export type { ApiServerHealth } from './health.js';
export { kubeError, isNotFound, FieldConflictError } from './errors.js';
export type { FieldConflict } from './errors.js';
