import { describeObject, identityOf, objectKey, type BundleManifest } from './bundle.js';

/**
 * Namespace fan-out: a namespaced manifest without a namespace, annotated
 * `fleetflow.io/for-namespaces: <label selector>`, stands for one copy in every namespace of the
 * cluster whose labels match the selector. The namespaces differ per cluster, so the fan-out
 * happens where the cluster is known: the apply and diff activities list the namespaces
 * (src/kube/namespace-fanout.ts) and call `fanOut`. The revision kept on the cluster holds the
 * template, and every drift check and re-apply fans it out again: a namespace labelled later is
 * missing its copy until the next reconcile makes it, and one no longer labelled has its copy
 * pruned (the copies are members of the bundle's ApplySet). Pure.
 */

/** The annotation that makes a manifest a template applied once per matching namespace. */
export const FOR_NAMESPACES_ANNOTATION = 'fleetflow.io/for-namespaces';

/** True for a manifest that is a fan-out template. */
export function isFanOutTemplate(m: BundleManifest): boolean {
  return m.metadata.annotations?.[FOR_NAMESPACES_ANNOTATION] !== undefined;
}

/** The distinct label selectors of a bundle's templates, sorted (what to list on the cluster). */
export function fanOutSelectors(manifests: readonly BundleManifest[]): string[] {
  return [...new Set(manifests.filter(isFanOutTemplate).map((m) => m.metadata.annotations![FOR_NAMESPACES_ANNOTATION]!))].sort();
}

/**
 * The manifests with each template replaced by its copies, one per namespace `namespacesOf`
 * lists for its selector (in that order; none when no namespace matches). A copy carries the
 * namespace and loses the annotation. Throws an Error naming the object when a template names a
 * namespace itself or a copy collides with another manifest.
 *
 * @example fanOut([tmpl('team=a')], { 'team=a': ['a-dev', 'a-prod'] }) // two copies
 */
export function fanOut(manifests: readonly BundleManifest[], namespacesOf: Readonly<Record<string, readonly string[]>>): BundleManifest[] {
  const out: BundleManifest[] = [];
  for (const m of manifests) {
    if (!isFanOutTemplate(m)) {
      out.push(m);
      continue;
    }
    if (m.metadata.namespace) throw new Error(`${describeObject(identityOf(m))}: a ${FOR_NAMESPACES_ANNOTATION} template must not name a namespace`);
    const selector = m.metadata.annotations![FOR_NAMESPACES_ANNOTATION]!;
    const { [FOR_NAMESPACES_ANNOTATION]: _template, ...annotations } = m.metadata.annotations!;
    for (const namespace of namespacesOf[selector] ?? []) {
      const metadata = { ...m.metadata, namespace, ...(Object.keys(annotations).length ? { annotations } : {}) };
      if (!Object.keys(annotations).length) delete metadata.annotations;
      out.push({ ...structuredClone(m), metadata: structuredClone(metadata) });
    }
  }
  const seen = new Set<string>();
  for (const m of out) {
    const key = objectKey(identityOf(m));
    if (seen.has(key)) throw new Error(`${describeObject(identityOf(m))} appears twice once namespace templates are expanded`);
    seen.add(key);
  }
  return out;
}
