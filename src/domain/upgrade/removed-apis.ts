import { z } from 'zod';

/**
 * API versions that Kubernetes stopped serving, by the release that removed them, and the
 * pure checks over manifests. Source: the official "Deprecated API Migration Guide"
 * (kubernetes.io/docs/reference/using-api/deprecation-guide), sections v1.16 to v1.32; it
 * lists no removal after v1.32 as of this writing. Add a release's entries when it is published.
 */

/** One kind at one API version that a release no longer serves. */
export interface RemovedApi {
  /** "group/version" as written in manifests ("extensions/v1beta1"; "v1" style for the core group). */
  apiVersion: string;
  kind: string;
  /** The first release that does not serve it, "major.minor". */
  removedIn: string;
  /** What to migrate to; absent when the kind was removed without a successor (PodSecurityPolicy). */
  replacement?: string;
}

const entries = (removedIn: string, apiVersion: string, replacement: string | undefined, kinds: string[]): RemovedApi[] =>
  kinds.map((kind) => ({ apiVersion, kind, removedIn, ...(replacement ? { replacement } : {}) }));

/** The table, oldest removal first. */
export const REMOVED_APIS: readonly RemovedApi[] = Object.freeze([
  // v1.16
  ...entries('1.16', 'extensions/v1beta1', 'networking.k8s.io/v1', ['NetworkPolicy']),
  ...entries('1.16', 'extensions/v1beta1', 'policy/v1beta1', ['PodSecurityPolicy']),
  ...entries('1.16', 'extensions/v1beta1', 'apps/v1', ['DaemonSet', 'Deployment', 'ReplicaSet']),
  ...entries('1.16', 'apps/v1beta1', 'apps/v1', ['Deployment', 'StatefulSet', 'ReplicaSet']),
  ...entries('1.16', 'apps/v1beta2', 'apps/v1', ['DaemonSet', 'Deployment', 'StatefulSet', 'ReplicaSet']),
  // v1.22
  ...entries('1.22', 'admissionregistration.k8s.io/v1beta1', 'admissionregistration.k8s.io/v1', ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']),
  ...entries('1.22', 'apiextensions.k8s.io/v1beta1', 'apiextensions.k8s.io/v1', ['CustomResourceDefinition']),
  ...entries('1.22', 'apiregistration.k8s.io/v1beta1', 'apiregistration.k8s.io/v1', ['APIService']),
  ...entries('1.22', 'authentication.k8s.io/v1beta1', 'authentication.k8s.io/v1', ['TokenReview']),
  ...entries('1.22', 'authorization.k8s.io/v1beta1', 'authorization.k8s.io/v1', ['LocalSubjectAccessReview', 'SelfSubjectAccessReview', 'SubjectAccessReview']),
  ...entries('1.22', 'certificates.k8s.io/v1beta1', 'certificates.k8s.io/v1', ['CertificateSigningRequest']),
  ...entries('1.22', 'coordination.k8s.io/v1beta1', 'coordination.k8s.io/v1', ['Lease']),
  ...entries('1.22', 'extensions/v1beta1', 'networking.k8s.io/v1', ['Ingress']),
  ...entries('1.22', 'networking.k8s.io/v1beta1', 'networking.k8s.io/v1', ['Ingress', 'IngressClass']),
  ...entries('1.22', 'rbac.authorization.k8s.io/v1beta1', 'rbac.authorization.k8s.io/v1', ['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding']),
  ...entries('1.22', 'scheduling.k8s.io/v1beta1', 'scheduling.k8s.io/v1', ['PriorityClass']),
  ...entries('1.22', 'storage.k8s.io/v1beta1', 'storage.k8s.io/v1', ['CSIDriver', 'CSINode', 'StorageClass', 'VolumeAttachment']),
  // v1.25
  ...entries('1.25', 'batch/v1beta1', 'batch/v1', ['CronJob']),
  ...entries('1.25', 'discovery.k8s.io/v1beta1', 'discovery.k8s.io/v1', ['EndpointSlice']),
  ...entries('1.25', 'events.k8s.io/v1beta1', 'events.k8s.io/v1', ['Event']),
  ...entries('1.25', 'autoscaling/v2beta1', 'autoscaling/v2', ['HorizontalPodAutoscaler']),
  ...entries('1.25', 'policy/v1beta1', 'policy/v1', ['PodDisruptionBudget']),
  ...entries('1.25', 'policy/v1beta1', undefined, ['PodSecurityPolicy']),
  ...entries('1.25', 'node.k8s.io/v1beta1', 'node.k8s.io/v1', ['RuntimeClass']),
  // v1.26
  ...entries('1.26', 'flowcontrol.apiserver.k8s.io/v1beta1', 'flowcontrol.apiserver.k8s.io/v1', ['FlowSchema', 'PriorityLevelConfiguration']),
  ...entries('1.26', 'autoscaling/v2beta2', 'autoscaling/v2', ['HorizontalPodAutoscaler']),
  // v1.27
  ...entries('1.27', 'storage.k8s.io/v1beta1', 'storage.k8s.io/v1', ['CSIStorageCapacity']),
  // v1.29
  ...entries('1.29', 'flowcontrol.apiserver.k8s.io/v1beta2', 'flowcontrol.apiserver.k8s.io/v1', ['FlowSchema', 'PriorityLevelConfiguration']),
  // v1.32
  ...entries('1.32', 'flowcontrol.apiserver.k8s.io/v1beta3', 'flowcontrol.apiserver.k8s.io/v1', ['FlowSchema', 'PriorityLevelConfiguration']),
]);

/** "1.36", "v1.36" or "1.36.3" as a Kubernetes release; the patch is ignored (APIs change per minor). */
export const TargetVersionSchema = z
  .string()
  .regex(/^v?\d+\.\d+(\.\d+)?$/, 'must be a Kubernetes version such as "1.36" or "1.36.3"')
  .transform((v) => v.replace(/^v/, ''));

/** [major, minor] of "1.36.3" / "v1.36"; throws on anything else (callers validate first). */
export function minorOf(version: string): [number, number] {
  const m = /^v?(\d+)\.(\d+)/.exec(version);
  if (!m) throw new Error(`not a Kubernetes version: "${version}"`);
  return [Number(m[1]), Number(m[2])];
}

/** Negative, zero or positive as release `a` is older than, the same minor as, or newer than `b`. */
export function compareMinor(a: string, b: string): number {
  const [am, an] = minorOf(a);
  const [bm, bn] = minorOf(b);
  return am - bm || an - bn;
}

/**
 * Every table entry a cluster at `targetVersion` no longer serves: removed in or before it.
 *
 * @example removedApisUpTo('1.25').some((r) => r.kind === 'CronJob') // true
 */
export function removedApisUpTo(targetVersion: string, table: readonly RemovedApi[] = REMOVED_APIS): RemovedApi[] {
  return table.filter((r) => compareMinor(r.removedIn, targetVersion) <= 0);
}

/** Where a use of a removed API was found. */
export type RemovedApiSource = 'manifest' | 'managedFields' | 'lastApplied' | 'served';

/** One object (or manifest) that uses an API version the target release does not serve. */
export interface RemovedApiFinding {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  removedIn: string;
  replacement?: string;
  source: RemovedApiSource;
  /** For managedFields: the field manager whose last write used the removed version. */
  manager?: string;
}

/** The least a manifest needs for the check; anything else in it is ignored. */
export interface ManifestLike {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string };
}

/** Index of a table by "apiVersion kind". */
export function indexRemoved(table: readonly RemovedApi[]): Map<string, RemovedApi> {
  return new Map(table.map((r) => [`${r.apiVersion} ${r.kind}`, r]));
}

/**
 * The manifests of a bundle that a cluster at `targetVersion` would refuse, in input order.
 * A manifest without apiVersion or kind is not judged here (applying it fails on its own).
 *
 * @example scanManifests([{ apiVersion: 'batch/v1beta1', kind: 'CronJob', metadata: { name: 'x' } }], '1.25')
 */
export function scanManifests(manifests: readonly ManifestLike[], targetVersion: string, table: readonly RemovedApi[] = REMOVED_APIS): RemovedApiFinding[] {
  const removed = indexRemoved(removedApisUpTo(targetVersion, table));
  const findings: RemovedApiFinding[] = [];
  for (const m of manifests) {
    const hit = m.apiVersion && m.kind ? removed.get(`${m.apiVersion} ${m.kind}`) : undefined;
    if (!hit) continue;
    findings.push({
      apiVersion: hit.apiVersion,
      kind: hit.kind,
      ...(m.metadata?.namespace ? { namespace: m.metadata.namespace } : {}),
      name: m.metadata?.name ?? '(unnamed)',
      removedIn: hit.removedIn,
      ...(hit.replacement ? { replacement: hit.replacement } : {}),
      source: 'manifest',
    });
  }
  return findings;
}

/** "Ingress team-a/web uses networking.k8s.io/v1beta1 (removed in 1.22; use networking.k8s.io/v1)". */
export function describeFinding(f: RemovedApiFinding): string {
  const what = `${f.kind} ${f.namespace ? `${f.namespace}/` : ''}${f.name}`;
  const fix = f.replacement ? `use ${f.replacement}` : 'no replacement';
  const via = f.source === 'managedFields' && f.manager ? ` (last written by ${f.manager})` : f.source === 'lastApplied' ? ' (last applied)' : '';
  return `${what} uses ${f.apiVersion}${via}: removed in ${f.removedIn}; ${fix}`;
}
