import { PatchStrategy, type KubernetesObject } from '@kubernetes/client-node';
import { isLabelValue } from '../domain/labels.js';
import { PermanentError } from '../errors.js';
import type { ClusterCredentials } from '../providers/types.js';
import { objectApi } from './client.js';
import { kubeError } from './errors.js';
import { describeRef, readWith } from './read.js';

/** Label every Fleetflow-applied object carries, so `-l app.kubernetes.io/managed-by=fleetflow` finds them. */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'fleetflow';
/** Label naming the bundle an object came from (what a rollback or prune selects on). */
export const BUNDLE_LABEL = 'fleetflow.io/bundle';

export interface ApplyOptions {
  /** The server-side-apply field manager; one per kind of writer, stable across retries. */
  fieldManager: string;
  /** Bundle name, stamped on every object as the BUNDLE_LABEL value (a label value). */
  bundle: string;
}

export type ApplyAction = 'created' | 'configured' | 'unchanged';

export interface AppliedObject {
  kind: string;
  namespace?: string;
  name: string;
  action: ApplyAction;
}

/**
 * Kinds that others depend on go first: a Namespace before what lives in it, a CRD before its
 * custom resources. Everything else keeps the bundle's order (the author's intent).
 */
const KIND_RANK: Record<string, number> = { Namespace: 0, CustomResourceDefinition: 1 };

/** The order objects are applied in: stable, dependencies first. Pure. */
export function orderForApply<T extends { kind?: string }>(objects: readonly T[]): T[] {
  const rank = (o: T) => KIND_RANK[o.kind ?? ''] ?? 2;
  return objects
    .map((o, i) => ({ o, i }))
    .sort((a, b) => rank(a.o) - rank(b.o) || a.i - b.i)
    .map(({ o }) => o);
}

/**
 * A copy of `obj` carrying the Fleetflow labels, without server-owned fields. Pure; throws
 * PermanentError('InvalidManifest') naming the object when it cannot be applied.
 */
export function prepareManifest(obj: KubernetesObject, bundle: string): KubernetesObject {
  const what = describeRef({ kind: obj.kind, namespace: obj.metadata?.namespace, name: obj.metadata?.name });
  if (!obj.apiVersion || !obj.kind || !obj.metadata?.name) {
    throw new PermanentError(`manifest ${what}: apiVersion, kind and metadata.name are required`, 'InvalidManifest');
  }
  const copy = structuredClone(obj);
  const metadata = copy.metadata!;
  // Server-side apply rejects a body that carries these (or applies stale ones).
  delete metadata.resourceVersion;
  delete metadata.uid;
  delete metadata.creationTimestamp;
  delete metadata.managedFields;
  delete metadata.generation;
  metadata.labels = { ...metadata.labels, [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [BUNDLE_LABEL]: bundle };
  return copy;
}

/**
 * Server-side applies a bundle of manifests, dependencies first, one field manager, without
 * force (a field owned by someone else fails with FieldManagerConflict rather than being
 * taken). Safe to repeat: a second run reports every object `unchanged`. Results are in
 * apply order. Stops at the first failure, with a FleetflowError naming the object.
 *
 * @example await applyBundle(creds, [ns, cm], { fieldManager: 'fleetflow', bundle: 'team-a' });
 */
export async function applyBundle(
  creds: ClusterCredentials,
  objects: readonly KubernetesObject[],
  opts: ApplyOptions,
): Promise<AppliedObject[]> {
  if (!isLabelValue(opts.bundle) || opts.bundle === '') {
    throw new PermanentError(`bundle name "${opts.bundle}" is not a valid label value`, 'InvalidBundle');
  }
  const manifests = orderForApply(objects.map((o) => prepareManifest(o, opts.bundle)));
  const api = objectApi(creds);
  const results: AppliedObject[] = [];
  for (const manifest of manifests) {
    const meta = manifest.metadata!;
    const what = `apply ${describeRef({ kind: manifest.kind, namespace: meta.namespace, name: meta.name })}`;
    // Read first: the resourceVersion before and after tells created / configured / unchanged
    // (a no-op apply does not write, so the resourceVersion stays).
    const before = await readWith(api, {
      apiVersion: manifest.apiVersion!,
      kind: manifest.kind!,
      name: meta.name!,
      ...(meta.namespace ? { namespace: meta.namespace } : {}),
    });
    let after: KubernetesObject;
    try {
      after = await api.patch(manifest, undefined, undefined, opts.fieldManager, false, PatchStrategy.ServerSideApply);
    } catch (e) {
      throw kubeError(e, what);
    }
    const action: ApplyAction = !before
      ? 'created'
      : before.metadata?.resourceVersion === after.metadata?.resourceVersion
        ? 'unchanged'
        : 'configured';
    const namespace = after.metadata?.namespace;
    results.push({ kind: manifest.kind!, ...(namespace ? { namespace } : {}), name: meta.name!, action });
  }
  return results;
}
