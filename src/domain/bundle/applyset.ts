import { groupKindString, parseGroupKind } from './bundle.js';

/**
 * The ApplySet convention of Kubernetes (KEP-3659), as kubectl implements it: a parent object
 * labelled with the set's id records which group-kinds and namespaces its members may be in;
 * every member carries the part-of label. Pure: key names, parent naming and the annotation
 * formats; the id's sha256 is computed in src/kube/applyset.ts (node:crypto).
 */

/** Label on the parent: makes it an ApplySet parent; value is the set id. */
export const APPLYSET_ID_LABEL = 'applyset.kubernetes.io/id';
/** Annotation on the parent naming the tool that manages the set ("<tool>/<version>"). */
export const APPLYSET_TOOLING_ANNOTATION = 'applyset.kubernetes.io/tooling';
/** Annotation on the parent: sorted, comma-separated "Kind.group" of every member kind. */
export const APPLYSET_GROUP_KINDS_ANNOTATION = 'applyset.kubernetes.io/contains-group-kinds';
/** Annotation on the parent: sorted namespaces, other than the parent's, holding members. */
export const APPLYSET_NAMESPACES_ANNOTATION = 'applyset.kubernetes.io/additional-namespaces';
/** Fleetflow's own annotation on the parent: the bundle revision last applied. */
export const REVISION_ANNOTATION = 'fleetflow.io/revision';
/** Fleetflow's tooling id; tools must refuse to mutate sets of another tool. */
export const FLEETFLOW_TOOLING = 'fleetflow/v1';
/** Where Fleetflow keeps the parents of its bundles' ApplySets. */
export const APPLYSET_NAMESPACE = 'fleetflow-system';

/** The parent of a bundle's ApplySet: a ConfigMap in Fleetflow's namespace. */
export interface ApplySetParentRef {
  group: string;
  kind: string;
  namespace: string;
  name: string;
}

/** The parent object of bundle `bundle`: ConfigMap fleetflow-system/applyset-<bundle>. */
export function parentRefFor(bundle: string): ApplySetParentRef {
  return { group: '', kind: 'ConfigMap', namespace: APPLYSET_NAMESPACE, name: `applyset-${bundle}` };
}

/** The string KEP-3659 hashes into the id: "<name>.<namespace>.<kind>.<group>". */
export function applySetIdInput(parent: ApplySetParentRef): string {
  return [parent.name, parent.namespace, parent.kind, parent.group].join('.');
}

/** Sorted, comma-joined group-kinds, the format of contains-group-kinds. */
export function formatGroupKinds(gks: Iterable<string>): string {
  return [...new Set(gks)].sort().join(',');
}

/** The group-kinds a parent records ("" means an empty set). */
export function parseGroupKinds(value: string | undefined): { group: string; kind: string }[] {
  if (!value) return [];
  return value.split(',').filter(Boolean).map(parseGroupKind);
}

/** Sorted, comma-joined namespaces without the parent's own (which is always in scope). */
export function formatNamespaces(namespaces: Iterable<string>, parentNamespace: string): string {
  return [...new Set(namespaces)].filter((ns) => ns && ns !== parentNamespace).sort().join(',');
}

/** Every namespace in a set's scope: the additional ones plus the parent's. */
export function parseNamespaces(value: string | undefined, parentNamespace: string): string[] {
  const out = new Set((value ?? '').split(',').filter(Boolean));
  out.add(parentNamespace);
  return [...out].sort();
}

/** The scope an ApplySet records: which kinds, which namespaces. */
export interface ApplySetScope {
  groupKinds: string[];
  namespaces: string[];
}

/** Union of two scopes (what the parent records while an apply is under way). Pure. */
export function unionScope(a: ApplySetScope, b: ApplySetScope): ApplySetScope {
  return {
    groupKinds: [...new Set([...a.groupKinds, ...b.groupKinds])].sort(),
    namespaces: [...new Set([...a.namespaces, ...b.namespaces])].sort(),
  };
}

/** The scope of a set of members, identified by group, kind and (resolved) namespace. */
export function scopeOf(members: readonly { group: string; kind: string; namespace?: string }[]): ApplySetScope {
  return {
    groupKinds: [...new Set(members.map(groupKindString))].sort(),
    namespaces: [...new Set(members.map((m) => m.namespace).filter((ns): ns is string => !!ns))].sort(),
  };
}
