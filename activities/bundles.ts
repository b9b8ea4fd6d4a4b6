import { Context } from '@temporalio/activity';
import { describeObject, type BundleInput } from '../src/domain/bundle/bundle.js';
import type { BundleDrift } from '../src/domain/cluster/applied-bundles.js';
import { PermanentError } from '../src/errors.js';
import { loadRevision, REVISIONS_KEPT, saveRevision } from '../src/kube/bundle-store.js';
import { applyBundle, parseBundle, type AppliedObject } from '../src/kube/apply.js';
import { diffBundle, type BundleDiff } from '../src/kube/diff.js';
import { fanOutForCluster } from '../src/kube/namespace-fanout.js';
import { rolloutRefs, waitForRollout, type RolloutReport } from '../src/kube/rollout.js';
import type { ProviderRegistry } from '../src/providers/registry.js';
import { FIELD_MANAGER } from './bootstrap.js';
import type { ClusterTarget } from '../src/domain/cluster/target.js';
import { credentialsFor } from './cluster-access.js';
import { step } from './errors.js';

/** Input of the bundle activities: which cluster, which bundle. Holds no secret. */
export interface BundleActivityInput {
  target: ClusterTarget;
  bundle: BundleInput;
}

/** Input of waitForRollout: the bundle's Deployments, StatefulSets and DaemonSets are waited on. */
export interface RolloutActivityInput extends BundleActivityInput {
  /** Give up after this long; keep it below the activity's start-to-close timeout. Default 600. */
  deadlineSeconds?: number;
}

/** A revision of a bundle kept on the cluster; no revision means "no revision" (removal). */
export interface StoredRevisionInput {
  target: ClusterTarget;
  bundle: string;
  revision?: string;
  /** Take fields other managers changed (auto-reconcile, rollback). */
  force?: boolean;
}

/** The revision name recorded when a bundle is removed by a rollback. */
export const REMOVED_REVISION = 'removed';

function resultOf(bundle: { name: string; revision: string }, objects: AppliedObject[]): BundleApplyResult {
  const counts = { created: 0, configured: 0, unchanged: 0, pruned: 0 };
  for (const o of objects) counts[o.action]++;
  return { bundle: bundle.name, revision: bundle.revision, objects, counts };
}

/** What applyBundle reports: every object and its action, and the counts. */
export interface BundleApplyResult {
  bundle: string;
  revision: string;
  objects: AppliedObject[];
  counts: Record<AppliedObject['action'], number>;
}

/**
 * Activities over bundles: apply (with prune), diff and rollout wait. Credentials are
 * resolved here from the provider and never returned; long calls heartbeat their progress.
 */
export function bundleActivities(providers: ProviderRegistry) {
  const credentialsOf = (t: ClusterTarget) => credentialsFor(providers, t);

  return {
    /**
     * Server-side applies a bundle and prunes what left it; `fleetflow.io/for-namespaces`
     * templates are fanned out into this cluster's matching namespaces. Profile: long.
     */
    async applyBundle({ target, bundle: input }: BundleActivityInput): Promise<BundleApplyResult> {
      return step(target.name, `applying bundle ${input?.name ?? '?'}`, async () => {
        const ctx = Context.current();
        const creds = await credentialsOf(target);
        const bundle = parseBundle(input);
        const expanded = await fanOutForCluster(creds, bundle);
        ctx.heartbeat({ done: 0, total: expanded.manifests.length });
        const objects = await applyBundle(creds, expanded, {
          fieldManager: FIELD_MANAGER,
          onProgress: (done, total) => ctx.heartbeat({ done, total }),
        });
        // Kept on the cluster after a complete apply: drift checks and rollbacks read it back.
        // Kept with its templates, so each later check or re-apply fans out over the namespaces
        // as they are then (a namespace labelled since gets its copy, one unlabelled loses it).
        await saveRevision(creds, bundle);
        return resultOf(bundle, objects);
      });
    },

    /**
     * Re-applies a revision kept on the cluster (auto-reconcile, rollback). Without a
     * revision the bundle is removed: everything in its inventory is pruned. Profile: long.
     */
    async applyStoredRevision({ target, bundle: name, revision, force }: StoredRevisionInput): Promise<BundleApplyResult> {
      return step(target.name, revision ? `re-applying bundle ${name} revision ${revision}` : `removing bundle ${name}`, async () => {
        const ctx = Context.current();
        ctx.heartbeat();
        const creds = await credentialsOf(target);
        const bundle = revision
          ? await loadRevision(creds, name, revision)
          : parseBundle({ name, revision: REMOVED_REVISION, manifests: [], options: { prune: true } });
        if (!bundle) throw new PermanentError(`bundle ${name} revision ${revision} is not kept on the cluster (only the last ${REVISIONS_KEPT} are)`, 'RevisionNotFound');
        if (force) bundle.options = { ...bundle.options, force: true };
        const objects = await applyBundle(creds, await fanOutForCluster(creds, bundle), { fieldManager: FIELD_MANAGER, onProgress: (done, total) => ctx.heartbeat({ done, total }) });
        return resultOf(bundle, objects);
      });
    },

    /** Compares the cluster with the revision kept for it; Unknown when none is kept. Profile: probe. */
    async checkBundleDrift({ target, bundle: name, revision }: StoredRevisionInput): Promise<BundleDrift> {
      return step(target.name, `checking drift of bundle ${name}`, async () => {
        const checkedAt = new Date().toISOString();
        const creds = await credentialsOf(target);
        const bundle = revision ? await loadRevision(creds, name, revision) : undefined;
        if (!bundle) return { checkedAt, status: 'Unknown', missing: 0, drifted: 0, toPrune: 0, details: [`revision ${revision ?? '?'} is not kept on the cluster`] };
        const diff = await diffBundle(creds, await fanOutForCluster(creds, bundle), { fieldManager: FIELD_MANAGER });
        const details = [
          ...diff.missing.map((r) => `${describeObject(r)}: missing`),
          ...diff.drifted.map((d) => `${describeObject(d.ref)}: ${d.fields.slice(0, 3).join(', ')}`),
          ...diff.toPrune.map((r) => `${describeObject(r)}: not in the revision`),
        ];
        const drifted = details.length > 0;
        return { checkedAt, status: drifted ? 'Drifted' : 'InSync', missing: diff.missing.length, drifted: diff.drifted.length, toPrune: diff.toPrune.length, details: details.slice(0, 10) };
      });
    },

    /** What differs between a bundle and a cluster (dry run, changes nothing). Profile: long. */
    async diffBundle({ target, bundle: input }: BundleActivityInput): Promise<BundleDiff> {
      return step(target.name, `diffing bundle ${input?.name ?? '?'}`, async () => {
        Context.current().heartbeat();
        const creds = await credentialsOf(target);
        return diffBundle(creds, await fanOutForCluster(creds, parseBundle(input)), { fieldManager: FIELD_MANAGER });
      });
    },

    /** Waits for the bundle's workloads to roll out; reports Ready, Stuck or TimedOut. Profile: long. */
    async waitForRollout({ target, bundle: input, deadlineSeconds }: RolloutActivityInput): Promise<RolloutReport> {
      return step(target.name, `waiting for the rollout of bundle ${input?.name ?? '?'}`, async () => {
        const bundle = parseBundle(input);
        const ctx = Context.current();
        ctx.heartbeat();
        return waitForRollout(await credentialsOf(target), rolloutRefs(bundle.manifests), {
          deadlineMs: (deadlineSeconds ?? 600) * 1000,
          onProgress: (r) =>
            ctx.heartbeat({ waitingFor: r.workloads.filter((w) => w.state !== 'Ready').map((w) => `${w.ref.kind} ${w.ref.namespace}/${w.ref.name}: ${w.message}`).slice(0, 5) }),
        });
      });
    },
  };
}
