import { setTimeout as sleep } from 'node:timers/promises';
import { APPLYSET_NAMESPACE, parentRefFor, scopeOf, unionScope, type ApplySetScope } from '../domain/bundle/applyset.js';
import { jsonEqual, type ManagedFieldsEntry } from '../domain/bundle/managed-fields.js';
import { describeObject, isCrd, objectKey, type Bundle, type BundleInput } from '../domain/bundle/bundle.js';
import { PermanentError, type FleetflowError } from '../errors.js';
import type { ClusterCredentials } from './credentials.js';
import { METADATA_ONLY, applySetId, deleteMembers, digest, ownedFieldsDigest, listMembers, readParent, writeParent, type Member } from './applyset.js';
import { parseBundle, planObjects, resolveLate, type PlannedObject } from './apply-plan.js';
import { waitForCrdsEstablished } from './crd.js';
import { Discovery, resourcePath } from './discovery.js';
import { combineFailures, isNotFound, kubeError } from './errors.js';
import { mapSettled } from './pool.js';
import { withRest, type KubeRest } from './rest.js';

export { BUNDLE_LABEL, MANAGED_BY_LABEL, MANAGED_BY_VALUE } from './applyset.js';
export { orderForApply, parseBundle, prepareManifest } from './apply-plan.js';

export interface ApplyOptions {
  /** The server-side-apply field manager; one per kind of writer, stable across retries. */
  fieldManager: string;
  /** Called as the apply advances (objects done of total), e.g. to heartbeat. */
  onProgress?: (done: number, total: number) => void;
  /** How long the bundle's CRDs may take to become Established; default 60 s. */
  crdTimeoutMs?: number;
}

export type ApplyAction = 'created' | 'configured' | 'unchanged' | 'pruned';

export interface AppliedObject {
  kind: string;
  namespace?: string;
  name: string;
  action: ApplyAction;
}

/** Same kinds and namespaces (order aside). */
function sameScope(a: ApplySetScope, b: ApplySetScope): boolean {
  const set = (xs: string[]) => [...new Set(xs)].sort().join(',');
  return set(a.groupKinds) === set(b.groupKinds) && set(a.namespaces) === set(b.namespaces);
}

/** What applyTier needs besides the objects. */
interface TierContext {
  fieldManager: string;
  force: boolean;
  concurrency: number;
  /** Members as listed before the apply, by objectKey. */
  members: Map<string, Member>;
  /** Member records from the parent (last apply), and the ones this apply leaves. */
  records: Record<string, string>;
  newRecords: Record<string, string>;
  retryNotFoundUntil?: number;
  progress: () => void;
}

/**
 * Server-side applies each object, one request each and no read before: the response status
 * tells created (201); the resourceVersion listed before tells unchanged from configured,
 * since a no-op apply does not write.
 *
 * An object is not sent at all when the parent's record shows it was last applied from the
 * same manifest and the fields our manager owns are still exactly the fields it owned then.
 * Sound because of how server-side apply tracks ownership: anyone who changes or removes a
 * field we own (an Update, or a forced Apply) takes the field out of our set, so the owned
 * fields digest changes; deleting the object drops it from the listing. Re-applying would
 * then be a no-op, and skipping it saves the server the work (a re-apply of 200 objects
 * becomes a handful of requests).
 */
async function applyTier(rest: KubeRest, objects: PlannedObject[], ctx: TierContext): Promise<AppliedObject[]> {
  const settled = await mapSettled(objects, ctx.concurrency, async (p) => {
    const key = objectKey(p.id);
    const result = (action: ApplyAction): AppliedObject => ({ kind: p.id.kind, ...(p.id.namespace ? { namespace: p.id.namespace } : {}), name: p.id.name, action });
    const manifestDigest = digest(JSON.stringify(p.manifest));
    const listed = ctx.members.get(key);
    if (listed?.fieldsDigest && ctx.records[key] === `${manifestDigest}.${listed.fieldsDigest}`) {
      ctx.newRecords[key] = ctx.records[key]!;
      ctx.progress();
      return result('unchanged');
    }
    const path = resourcePath(p.info!, p.id.namespace, p.id.name);
    for (let delay = 50; ; delay = Math.min(delay * 2, 500)) {
      try {
        const res = await rest.request<{ metadata?: { resourceVersion?: string; managedFields?: ManagedFieldsEntry[] } }>('PATCH', path, {
          query: { fieldManager: ctx.fieldManager, force: ctx.force, fieldValidation: 'Strict' },
          contentType: 'application/apply-patch+yaml',
          accept: METADATA_ONLY, // the answer's metadata is all we read
          body: p.manifest,
        });
        ctx.newRecords[key] = `${manifestDigest}.${ownedFieldsDigest(res.body.metadata, ctx.fieldManager)}`;
        ctx.progress();
        return result(res.status === 201 ? 'created' : listed?.resourceVersion === res.body.metadata?.resourceVersion ? 'unchanged' : 'configured');
      } catch (e) {
        // A custom resource right after its CRD is Established can meet a 404 for a moment.
        if (isNotFound(e) && ctx.retryNotFoundUntil && Date.now() < ctx.retryNotFoundUntil) {
          await sleep(delay);
          continue;
        }
        throw kubeError(e, `apply ${describeObject(p.id)}`);
      }
    }
  });
  const failed = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as FleetflowError] : []));
  if (failed.length > 0) throw combineFailures(failed, 'apply');
  return settled.map((s) => (s as PromiseFulfilledResult<AppliedObject>).value);
}

/**
 * What prune may delete: members the new revision does not contain. Refuses (KEP-3659) a
 * member that another object owns, and never deletes the namespace holding the parents.
 */
function pruneCandidates(members: readonly Member[], desired: Set<string>): { prune: Member[]; keep: Member[] } {
  const prune: Member[] = [];
  const keep: Member[] = [];
  for (const m of members) {
    if (desired.has(objectKey(m))) continue;
    if (m.group === '' && m.kind === 'Namespace' && m.name === APPLYSET_NAMESPACE) {
      keep.push(m);
      continue;
    }
    if (m.ownerReferences && m.ownerReferences.length > 0) {
      const owners = m.ownerReferences.map((o) => `${o.kind ?? '?'} ${o.name ?? '?'}`).join(', ');
      throw new PermanentError(`prune ${describeObject(m)}: it is owned by ${owners}, not by the bundle; remove the owner or the applyset label`, 'PruneOwnershipConflict');
    }
    prune.push(m);
  }
  return { prune, keep };
}

/**
 * Server-side applies a bundle and prunes what its earlier revisions applied and this one
 * no longer contains, keeping an ApplySet inventory (KEP-3659) on the cluster:
 * 1. the parent (ConfigMap fleetflow-system/applyset-<bundle>) is widened to the union of
 *    the old and new scope first, so an apply cut short never leaks objects;
 * 2. tiers in order (Namespaces and CRDs; the rest; custom resources once their CRDs are
 *    Established), each concurrently up to `options.concurrency`;
 * 3. prune: members listed by the part-of label within that scope, not in the bundle;
 * 4. the parent is narrowed to the new scope and records the revision.
 * Conflicts with other field managers fail with FieldManagerConflict listing every (object,
 * field, manager), unless `options.force`. Safe to repeat: a second run changes nothing and
 * reports every object `unchanged`. Results: tier order, bundle order within a tier, then
 * pruned objects.
 *
 * @example await applyBundle(creds, { name: 'team-a', revision: 'abc123', manifests }, { fieldManager: 'fleetflow' });
 */
export async function applyBundle(creds: ClusterCredentials, input: BundleInput, opts: ApplyOptions): Promise<AppliedObject[]> {
  const bundle = parseBundle(input);
  return withRest(creds, (rest) => applyWith(rest, bundle, opts), bundle.options.concurrency + 2);
}

/** applyBundle over an open client. */
export async function applyWith(rest: KubeRest, bundle: Bundle, opts: ApplyOptions): Promise<AppliedObject[]> {
  const discovery = new Discovery(rest);
  const parent = parentRefFor(bundle.name);
  const setId = applySetId(parent);
  const tiers = await planObjects(discovery, bundle, setId);
  const all = tiers.flat();
  const desired = new Set(all.map((p) => objectKey(p.id)));
  const desiredScope = scopeOf(all.map((p) => p.id));

  const state = await readParent(rest, parent, setId);
  const withParentNs = (scope: ApplySetScope) => ({ ...scope, namespaces: [...scope.namespaces, parent.namespace] });
  const superset = unionScope(state.scope, withParentNs(desiredScope));
  // Widen the parent first (KEP-3659), unless it already covers this revision: a re-apply writes nothing.
  if (!state.exists || !sameScope(superset, state.scope) || state.revision !== bundle.revision) {
    await writeParent(rest, parent, setId, { bundle: bundle.name, scope: superset, ...(state.revision ? { revision: state.revision } : {}), applyingRevision: bundle.revision, fieldManager: opts.fieldManager, records: state.records }, !state.exists);
  }
  // A parent that did not exist records no members (as in kubectl): nothing to list yet.
  const members = state.exists ? await listMembers(rest, discovery, setId, superset, opts.fieldManager) : [];

  let done = 0;
  const progress = () => opts.onProgress?.(++done, all.length);
  const ctx: TierContext = {
    fieldManager: opts.fieldManager,
    force: bundle.options.force,
    concurrency: bundle.options.concurrency,
    members: new Map(members.map((m) => [objectKey(m), m])),
    records: state.records,
    newRecords: {},
    progress,
  };
  const deadline = Date.now() + (opts.crdTimeoutMs ?? 60_000);
  const [first, second, third] = tiers as [PlannedObject[], PlannedObject[], PlannedObject[]];
  const results: AppliedObject[] = [];
  results.push(...(await applyTier(rest, first, ctx)));
  const crdNames = first.filter((p) => isCrd(p.manifest)).map((p) => p.id.name);
  // Custom resources wait for their CRDs; everything else need not, so both run together.
  const established = third.length > 0 ? waitForCrdsEstablished(rest, crdNames, deadline, () => opts.onProgress?.(done, all.length)) : Promise.resolve();
  established.catch(() => undefined); // observed below; avoids an unhandled rejection meanwhile
  const secondResults = await applyTier(rest, second, ctx);
  await established;
  await resolveLate(discovery, third, deadline);
  const thirdResults = await applyTier(rest, third, { ...ctx, retryNotFoundUntil: deadline });
  results.push(...secondResults, ...thirdResults);

  let finalScope = superset;
  if (bundle.options.prune) {
    const { prune, keep } = pruneCandidates(members, desired);
    const errors = await deleteMembers(rest, prune, bundle.options.concurrency);
    if (errors.length > 0) throw combineFailures(errors, 'prune');
    for (const m of prune) results.push({ kind: m.kind, ...(m.namespace ? { namespace: m.namespace } : {}), name: m.name, action: 'pruned' });
    finalScope = unionScope(withParentNs(desiredScope), scopeOf(keep));
  }
  const unchanged = state.exists && sameScope(finalScope, state.scope) && state.revision === bundle.revision && jsonEqual(ctx.newRecords, state.records);
  if (!unchanged) {
    await writeParent(rest, parent, setId, { bundle: bundle.name, scope: finalScope, revision: bundle.revision, fieldManager: opts.fieldManager, records: ctx.newRecords }, false);
  }
  return results;
}
