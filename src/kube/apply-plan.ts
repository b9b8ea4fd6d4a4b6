import { setTimeout as sleep } from 'node:timers/promises';
import type { KubernetesObject } from '@kubernetes/client-node';
import {
  APPLYSET_PART_OF_LABEL,
  BundleSchema,
  applyTiers,
  definedGroupKind,
  describeObject,
  groupKindString,
  isCrd,
  objectKey,
  type Bundle,
  type BundleManifest,
  type ObjectIdentity,
} from '../domain/bundle/bundle.js';
import { describeProblems, problemsFrom } from '../domain/validation.js';
import { PermanentError } from '../errors.js';
import { BUNDLE_LABEL, MANAGED_BY_LABEL, MANAGED_BY_VALUE } from './applyset.js';
import type { Discovery, ResourceInfo } from './discovery.js';
import { describeRef } from './read.js';

/**
 * Before an apply sends anything: the bundle validated, and each manifest resolved to where it
 * goes (resource, namespace) with the Fleetflow and ApplySet labels added. Shared by apply and diff.
 */

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

/** Validates a bundle, every problem listed by path; PermanentError('InvalidBundle'). */
export function parseBundle(input: unknown): Bundle {
  const parsed = BundleSchema.safeParse(input);
  if (!parsed.success) throw new PermanentError(`invalid bundle: ${describeProblems(problemsFrom(parsed.error, 'bundle'))}`, 'InvalidBundle');
  return parsed.data;
}

/** A manifest ready to send, with where it goes. */
export interface PlannedObject {
  manifest: BundleManifest;
  id: ObjectIdentity;
  /** Unknown until its CRD (in the same bundle) is Established. */
  info?: ResourceInfo;
  /** Position in the bundle; results keep it within a tier. */
  index: number;
}

/**
 * Resolves where each manifest goes: its resource (discovery, one request per group-version)
 * and namespace ("default" for a namespaced kind without one; none for a cluster-scoped kind).
 * Custom resources of the bundle's own CRDs take their scope from the CRD manifest, since the
 * server does not know them yet. Adds the Fleetflow and ApplySet labels.
 */
export async function planObjects(discovery: Discovery, bundle: Bundle, setId: string, opts: { membership?: boolean } = {}): Promise<PlannedObject[][]> {
  // Without membership (an inform-only comparison) manifests are compared as written: the
  // labels Fleetflow adds to what it applies would otherwise show as drift on every object.
  const membership = opts.membership ?? true;
  const crdScopes = new Map<string, boolean>();
  for (const m of bundle.manifests.filter(isCrd)) {
    const gk = definedGroupKind(m as { spec?: unknown });
    if (gk) crdScopes.set(groupKindString(gk), (m as { spec?: { scope?: string } }).spec?.scope !== 'Cluster');
  }
  const indexOf = new Map(bundle.manifests.map((m, i) => [m, i]));
  const tiers = applyTiers(bundle.manifests);
  const planned = await Promise.all(
    tiers.map((tier, t) =>
      Promise.all(
        tier.map(async (m): Promise<PlannedObject> => {
          const manifest = structuredClone(m);
          const group = m.apiVersion.includes('/') ? m.apiVersion.slice(0, m.apiVersion.indexOf('/')) : '';
          let info: ResourceInfo | undefined;
          let namespaced: boolean;
          if (t === 2) namespaced = crdScopes.get(groupKindString({ group, kind: m.kind })) ?? true;
          else {
            info = await discovery.lookup(m.apiVersion, m.kind);
            if (!info) {
              const what = describeObject({ group, kind: m.kind, name: m.metadata.name, ...(m.metadata.namespace ? { namespace: m.metadata.namespace } : {}) });
              throw new PermanentError(`manifest ${what}: the server does not serve kind ${m.kind} of ${m.apiVersion}`, 'UnknownKind');
            }
            namespaced = info.namespaced;
          }
          if (namespaced) manifest.metadata.namespace = m.metadata.namespace ?? 'default';
          else delete manifest.metadata.namespace;
          if (membership) {
            manifest.metadata.labels = {
              ...m.metadata.labels,
              [MANAGED_BY_LABEL]: MANAGED_BY_VALUE,
              [BUNDLE_LABEL]: bundle.name,
              [APPLYSET_PART_OF_LABEL]: setId,
            };
          }
          for (const k of ['resourceVersion', 'uid', 'creationTimestamp', 'managedFields', 'generation'] as const) delete manifest.metadata[k];
          const id: ObjectIdentity = { group, kind: m.kind, name: m.metadata.name, ...(namespaced ? { namespace: manifest.metadata.namespace! } : {}) };
          return { manifest, id, index: indexOf.get(m)!, ...(info ? { info } : {}) };
        }),
      ),
    ),
  );
  const seen = new Set<string>();
  for (const p of planned.flat()) {
    const key = objectKey(p.id);
    if (seen.has(key)) throw new PermanentError(`invalid bundle: ${describeObject(p.id)} appears twice once its namespace is defaulted`, 'InvalidBundle');
    seen.add(key);
  }
  return planned;
}

/** Resolves the custom resources of freshly established CRDs; discovery may lag a moment behind. */
export async function resolveLate(discovery: Discovery, objects: PlannedObject[], deadline: number): Promise<void> {
  for (const p of objects) {
    for (let delay = 50; !p.info; delay = Math.min(delay * 2, 500)) {
      discovery.forget(p.manifest.apiVersion);
      p.info = await discovery.lookup(p.manifest.apiVersion, p.manifest.kind);
      if (p.info) break;
      if (Date.now() > deadline) throw new PermanentError(`manifest ${describeObject(p.id)}: kind ${p.manifest.kind} of ${p.manifest.apiVersion} is not served once its CRD is Established`, 'UnknownKind');
      await sleep(delay);
    }
  }
}
