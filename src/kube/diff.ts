import { APPLYSET_NAMESPACE, parentRefFor, scopeOf, unionScope } from '../domain/bundle/applyset.js';
import { describeObject, objectKey, type BundleInput, type ObjectIdentity } from '../domain/bundle/bundle.js';
import { appliedFieldsOf, driftedFields, type ManagedFieldsEntry } from '../domain/bundle/managed-fields.js';
import { readDrift } from '../domain/bundle/read-compare.js';
import type { FleetflowError } from '../errors.js';
import type { ClusterCredentials } from './credentials.js';
import { parseBundle, planObjects } from './apply-plan.js';
import { applySetId, listMembers, readParent } from './applyset.js';
import { Discovery, resourcePath } from './discovery.js';
import { combineFailures, isNotFound, kubeError } from './errors.js';
import { mapSettled } from './pool.js';
import { withRest } from './rest.js';

/** An object whose live state differs from the bundle in fields the bundle's manager owns. */
export interface DriftedObject {
  ref: ObjectIdentity;
  /** Paths such as ".data.tier" or ".spec.template.spec.containers[name=web].image", sorted. */
  fields: string[];
}

/** How a cluster differs from a bundle: plain data, for workflow history and the CLI. */
export interface BundleDiff {
  /** In the bundle, not on the cluster. */
  missing: ObjectIdentity[];
  drifted: DriftedObject[];
  /** Members of the bundle's inventory that the bundle no longer contains (when it prunes). */
  toPrune: ObjectIdentity[];
  /** Revision the cluster's inventory records as last applied, if any. */
  revision?: string;
}

type Live = { metadata?: { managedFields?: ManagedFieldsEntry[] } };

/**
 * Compares a bundle with a cluster, changing nothing. Each object is read and server-side
 * applied as a dry run (dryRun=All, forced, so fields another manager took are shown as they
 * would be); drift is the difference between the two on the fields the bundle's field manager
 * would own, not the whole object (defaults and other writers' fields are not drift).
 * `inform` compares the manifests as written (no Fleetflow or ApplySet labels, no inventory)
 * by reading alone, the fields each manifest sets against the live object (readDrift): for
 * objects Fleetflow only reports on and never applies, with an identity that may only read.
 *
 * @example const d = await diffBundle(creds, bundle, { fieldManager: 'fleetflow' }); d.drifted[0]?.fields
 */
export async function diffBundle(creds: ClusterCredentials, input: BundleInput, opts: { fieldManager: string; inform?: boolean }): Promise<BundleDiff> {
  const bundle = parseBundle(input);
  return withRest(
    creds,
    async (rest) => {
      const discovery = new Discovery(rest);
      const parent = parentRefFor(bundle.name);
      const setId = applySetId(parent);
      // inform: the objects as written, against a cluster Fleetflow never applied them to.
      const planned = (await planObjects(discovery, bundle, setId, { membership: !opts.inform })).flat();
      const missing: ObjectIdentity[] = [];
      const drifted: DriftedObject[] = [];
      const settled = await mapSettled(planned, bundle.options.concurrency, async (p) => {
        const info = p.info ?? (await discovery.lookup(p.manifest.apiVersion, p.manifest.kind));
        if (!info) return void missing.push(p.id); // its CRD is not there either
        const path = resourcePath(info, p.id.namespace, p.id.name);
        let live: Live;
        try {
          live = (await rest.request<Live>('GET', path)).body;
        } catch (e) {
          if (isNotFound(e)) return void missing.push(p.id);
          throw kubeError(e, `read ${describeObject(p.id)}`);
        }
        if (opts.inform) {
          // Read only: an inform-only identity needs get, never patch (a dry-run apply is a write to RBAC).
          const differ = readDrift(p.manifest as Record<string, unknown>, live as Record<string, unknown>);
          if (differ.length > 0) drifted.push({ ref: p.id, fields: differ });
          return;
        }
        let wanted: Live;
        try {
          wanted = (
            await rest.request<Live>('PATCH', path, {
              query: { fieldManager: opts.fieldManager, force: true, dryRun: 'All', fieldValidation: 'Strict' },
              contentType: 'application/apply-patch+yaml',
              body: p.manifest,
            })
          ).body;
        } catch (e) {
          throw kubeError(e, `dry-run apply ${describeObject(p.id)}`);
        }
        const fields = appliedFieldsOf(wanted, opts.fieldManager);
        const differ = fields ? driftedFields(fields, live, wanted) : [];
        if (differ.length > 0) drifted.push({ ref: p.id, fields: differ });
      });
      const failed = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as FleetflowError] : []));
      if (failed.length > 0) throw combineFailures(failed, 'diff');

      // inform: there is no inventory to read (nothing was applied), so nothing to prune.
      const state = opts.inform ? undefined : await readParent(rest, parent, setId);
      let toPrune: ObjectIdentity[] = [];
      if (bundle.options.prune && state?.exists) {
        const desired = new Set(planned.map((p) => objectKey(p.id)));
        const members = await listMembers(rest, discovery, setId, unionScope(state.scope, scopeOf(planned.map((p) => p.id))), opts.fieldManager);
        toPrune = members
          .filter((m) => !desired.has(objectKey(m)) && !(m.kind === 'Namespace' && m.group === '' && m.name === APPLYSET_NAMESPACE))
          .map(({ group, kind, namespace, name }) => ({ group, kind, name, ...(namespace ? { namespace } : {}) }));
      }
      const order = new Map(planned.map((p, i) => [objectKey(p.id), i]));
      const byBundle = (a: ObjectIdentity, b: ObjectIdentity) => (order.get(objectKey(a)) ?? 0) - (order.get(objectKey(b)) ?? 0);
      return {
        missing: missing.sort(byBundle),
        drifted: drifted.sort((a, b) => byBundle(a.ref, b.ref)),
        toPrune: toPrune.sort((a, b) => objectKey(a).localeCompare(objectKey(b))),
        ...(state?.revision ? { revision: state.revision } : {}),
      };
    },
    bundle.options.concurrency + 2,
  );
}
