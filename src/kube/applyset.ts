import { createHash } from 'node:crypto';
import {
  APPLYSET_GROUP_KINDS_ANNOTATION,
  APPLYSET_ID_LABEL,
  APPLYSET_NAMESPACES_ANNOTATION,
  APPLYSET_TOOLING_ANNOTATION,
  FLEETFLOW_TOOLING,
  REVISION_ANNOTATION,
  applySetIdInput,
  formatGroupKinds,
  formatNamespaces,
  parseGroupKinds,
  parseNamespaces,
  type ApplySetParentRef,
  type ApplySetScope,
} from '../domain/bundle/applyset.js';
import { APPLYSET_PART_OF_LABEL, describeObject, parseGroupKind, type ObjectIdentity } from '../domain/bundle/bundle.js';
import { appliedFieldsOf, type ManagedFieldsEntry } from '../domain/bundle/managed-fields.js';
import { PermanentError } from '../errors.js';
import { resourcePath, type Discovery, type ResourceInfo } from './discovery.js';
import { FleetflowError } from '../errors.js';
import { isNotFound, kubeError } from './errors.js';
import { mapSettled } from './pool.js';
import type { KubeRest } from './rest.js';

/** Label naming the bundle an object came from. */
export const BUNDLE_LABEL = 'fleetflow.io/bundle';
/** Label every Fleetflow-applied object carries, so `-l app.kubernetes.io/managed-by=fleetflow` finds them. */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'fleetflow';
/** Annotation on the parent while a revision is being applied (gone once it is complete). */
export const APPLYING_REVISION_ANNOTATION = 'fleetflow.io/applying-revision';

/**
 * The ApplySet id of a parent, exactly as KEP-3659 and kubectl compute it:
 * "applyset-" + base64url(sha256("<name>.<namespace>.<kind>.<group>")) without padding + "-v1".
 */
export function applySetId(parent: ApplySetParentRef): string {
  const digest = createHash('sha256').update(applySetIdInput(parent)).digest('base64url');
  return `applyset-${digest}-v1`;
}

/** What the parent on the cluster says. */
export interface ParentState {
  exists: boolean;
  scope: ApplySetScope;
  /** Revision last applied completely. */
  revision?: string;
  /** Per member (objectKey): "<manifest hash>.<owned fields hash>" as of its last apply. */
  records: Record<string, string>;
}

/**
 * Data key of the parent holding the member records. Fleetflow's own: KEP-3659 says nothing
 * about a parent's data, and kubectl ignores it.
 */
export const MEMBER_RECORDS_KEY = 'fleetflow.members';

interface ConfigMapMeta {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  data?: Record<string, string>;
}

/** A short, stable digest (sha256, base64url, 128 bits). */
export function digest(text: string): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, 22);
}

/** Digest of the fields `manager` owns through Apply on an object, "" when it owns none. */
export function ownedFieldsDigest(meta: { managedFields?: ManagedFieldsEntry[] } | undefined, manager: string): string {
  const fields = appliedFieldsOf({ metadata: meta ?? {} }, manager);
  return fields ? digest(JSON.stringify(fields)) : '';
}

const parentPath = (p: ApplySetParentRef) => `/api/v1/namespaces/${p.namespace}/configmaps/${p.name}`;
const describeParent = (p: ApplySetParentRef) => `ApplySet parent ${p.kind} ${p.namespace}/${p.name}`;

/**
 * Reads the parent. Refuses (PermanentError) a parent another tool manages or whose id label
 * does not match its identity: KEP-3659 tools must not mutate such sets.
 */
export async function readParent(rest: KubeRest, parent: ApplySetParentRef, id: string): Promise<ParentState> {
  let obj: ConfigMapMeta;
  try {
    obj = (await rest.request<ConfigMapMeta>('GET', parentPath(parent))).body;
  } catch (e) {
    if (isNotFound(e)) return { exists: false, scope: { groupKinds: [], namespaces: [parent.namespace] }, records: {} };
    throw kubeError(e, `read ${describeParent(parent)}`);
  }
  const annotations = obj.metadata?.annotations ?? {};
  const tooling = annotations[APPLYSET_TOOLING_ANNOTATION];
  // kubectl compares the tool name without its version ("fleetflow/v1" -> "fleetflow"); so do we.
  const toolName = (t: string) => (t.includes('/') ? t.slice(0, t.lastIndexOf('/')) : t);
  if (!tooling || toolName(tooling) !== toolName(FLEETFLOW_TOOLING)) {
    throw new PermanentError(`${describeParent(parent)} is managed by "${tooling ?? 'an unknown tool'}", not Fleetflow`, 'ApplySetOwnedElsewhere');
  }
  const found = obj.metadata?.labels?.[APPLYSET_ID_LABEL];
  if (found !== id) {
    throw new PermanentError(`${describeParent(parent)} has ${APPLYSET_ID_LABEL}=${found ?? '(none)'}, expected ${id}`, 'ApplySetIdMismatch');
  }
  const revision = annotations[REVISION_ANNOTATION];
  let records: Record<string, string> = {};
  try {
    records = JSON.parse(obj.data?.[MEMBER_RECORDS_KEY] ?? '{}') as Record<string, string>;
  } catch {
    // Unreadable records only cost speed: every member is applied again.
  }
  return {
    records,
    exists: true,
    scope: {
      groupKinds: parseGroupKinds(annotations[APPLYSET_GROUP_KINDS_ANNOTATION]).map((gk) => (gk.group ? `${gk.kind}.${gk.group}` : gk.kind)),
      namespaces: parseNamespaces(annotations[APPLYSET_NAMESPACES_ANNOTATION], parent.namespace),
    },
    ...(revision ? { revision } : {}),
  };
}

export interface ParentWrite {
  bundle: string;
  scope: ApplySetScope;
  revision?: string;
  applyingRevision?: string;
  fieldManager: string;
  records: Record<string, string>;
}

/**
 * Server-side applies the parent with the given scope. The parent's fields are Fleetflow's
 * alone, so its apply is forced (as kubectl does for its parents). Creates the parent's
 * namespace first when `ensureNamespace`.
 */
export async function writeParent(rest: KubeRest, parent: ApplySetParentRef, id: string, w: ParentWrite, ensureNamespace: boolean): Promise<void> {
  const manager = `${w.fieldManager}-applyset`;
  const labels = { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE };
  if (ensureNamespace) {
    try {
      await rest.request('PATCH', `/api/v1/namespaces/${parent.namespace}`, {
        query: { fieldManager: manager, force: true },
        contentType: 'application/apply-patch+yaml',
        body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: parent.namespace, labels } },
      });
    } catch (e) {
      throw kubeError(e, `apply Namespace ${parent.namespace}`);
    }
  }
  const annotations: Record<string, string> = {
    [APPLYSET_TOOLING_ANNOTATION]: FLEETFLOW_TOOLING,
    [APPLYSET_GROUP_KINDS_ANNOTATION]: formatGroupKinds(w.scope.groupKinds),
    [APPLYSET_NAMESPACES_ANNOTATION]: formatNamespaces(w.scope.namespaces, parent.namespace),
  };
  if (w.revision) annotations[REVISION_ANNOTATION] = w.revision;
  if (w.applyingRevision) annotations[APPLYING_REVISION_ANNOTATION] = w.applyingRevision;
  const body = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: parent.name,
      namespace: parent.namespace,
      labels: { ...labels, [APPLYSET_ID_LABEL]: id, [BUNDLE_LABEL]: w.bundle },
      annotations,
    },
    data: { [MEMBER_RECORDS_KEY]: JSON.stringify(w.records) },
  };
  try {
    await rest.request('PATCH', parentPath(parent), { query: { fieldManager: manager, force: true }, contentType: 'application/apply-patch+yaml', body });
  } catch (e) {
    throw kubeError(e, `apply ${describeParent(parent)}`);
  }
}

/** A member as listed: enough to decide about it and to delete exactly it. */
export interface Member extends ObjectIdentity {
  uid: string;
  resourceVersion: string;
  /** ownedFieldsDigest for the listing's field manager. */
  fieldsDigest: string;
  ownerReferences?: { kind?: string; name?: string; uid?: string }[];
  info: ResourceInfo;
}

interface MetaList {
  items?: {
    metadata?: { name?: string; namespace?: string; uid?: string; resourceVersion?: string; ownerReferences?: Member['ownerReferences']; managedFields?: ManagedFieldsEntry[] };
  }[];
}

/** Metadata only: listing members needs no spec or status. */
export const METADATA_LIST = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1';
/** Metadata only, for one object (e.g. the answer to an apply). */
export const METADATA_ONLY = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1';

/**
 * Every member of the set within `scope`: objects of the scope's group-kinds labelled part-of
 * `id`, in the scope's namespaces (namespaced kinds) or at cluster scope. One LIST per kind
 * across namespaces; when that is forbidden, one per namespace. A kind the server no longer
 * serves (its CRD is gone) has no members.
 */
export async function listMembers(rest: KubeRest, discovery: Discovery, id: string, scope: ApplySetScope, fieldManager: string): Promise<Member[]> {
  const labelSelector = `${APPLYSET_PART_OF_LABEL}=${id}`;
  const namespaces = new Set(scope.namespaces);
  const perKind = await Promise.all(
    scope.groupKinds.map(async (text) => {
      const gk = parseGroupKind(text);
      const info = await discovery.lookupGroupKind(gk.group, gk.kind);
      if (!info) return [];
      const list = async (namespace?: string) => {
        try {
          const { body } = await rest.request<MetaList>('GET', resourcePath(info, namespace), { query: { labelSelector }, accept: METADATA_LIST });
          return body.items ?? [];
        } catch (e) {
          throw kubeError(e, `list ${text}${namespace ? ` in ${namespace}` : ''}`);
        }
      };
      let items: NonNullable<MetaList['items']>;
      try {
        items = await list();
      } catch (e) {
        if (!(info.namespaced && e instanceof FleetflowError && e.type === 'Forbidden')) throw e;
        items = (await Promise.all([...namespaces].map((ns) => list(ns)))).flat();
      }
      return items
        .filter((it) => !info.namespaced || namespaces.has(it.metadata?.namespace ?? ''))
        .map((it): Member => ({
          group: info.group,
          kind: info.kind,
          ...(info.namespaced ? { namespace: it.metadata!.namespace! } : {}),
          name: it.metadata!.name!,
          uid: it.metadata!.uid!,
          resourceVersion: it.metadata!.resourceVersion!,
          fieldsDigest: ownedFieldsDigest(it.metadata, fieldManager),
          ...(it.metadata?.ownerReferences ? { ownerReferences: it.metadata.ownerReferences } : {}),
          info,
        }));
    }),
  );
  return perKind.flat();
}

/**
 * Deletes members (in background propagation, as kubectl does), each only if it is still the
 * object that was listed (uid precondition). An object already gone counts as deleted.
 * Custom resources go first and Namespaces and CRDs last, so nothing is cascaded from under
 * a delete that is still to come.
 */
export async function deleteMembers(rest: KubeRest, members: readonly Member[], concurrency: number): Promise<FleetflowError[]> {
  const last = (m: Member) => (m.kind === 'Namespace' && m.group === '') || (m.kind === 'CustomResourceDefinition' && m.group === 'apiextensions.k8s.io');
  const builtin = (m: Member) => m.group === '' || !m.group.includes('.') || m.group.endsWith('.k8s.io');
  const waves = [members.filter((m) => !last(m) && !builtin(m)), members.filter((m) => !last(m) && builtin(m)), members.filter(last)];
  const errors: FleetflowError[] = [];
  for (const wave of waves) {
    const settled = await mapSettled(wave, concurrency, async (m) => {
      try {
        await rest.request('DELETE', resourcePath(m.info, m.namespace, m.name), {
          body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background', preconditions: { uid: m.uid } },
        });
      } catch (e) {
        if (!isNotFound(e)) throw kubeError(e, `prune ${describeObject(m)}`);
      }
    });
    for (const s of settled) if (s.status === 'rejected') errors.push(s.reason as FleetflowError);
    if (errors.length > 0) break;
  }
  return errors;
}
