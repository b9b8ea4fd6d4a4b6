
/** How a bundle's objects on the cluster compare with its applied revision, as of a check. */
export interface BundleDrift {
  checkedAt: string;
  status: 'InSync' | 'Drifted' | 'Unknown';
  missing: number;
  drifted: number;
  toPrune: number;
  /** The first few differences, e.g. "Deployment shop/web: spec.replicas". */
  details: string[];
}

/** A bundle applied to a cluster, as the cluster entity remembers it. */
export interface AppliedBundleRecord {
  name: string;
  revision: string;
  appliedAt: string;
  /** Re-apply the revision when the periodic check finds drift. */
  autoReconcile: boolean;
  /** Earlier revisions, newest first: what a rollback goes back to. */
  previous: string[];
  drift?: BundleDrift;
  /**
   * Why the last auto-reconcile failed. Auto-reconcile stays off for this revision until the
   * bundle is applied again, so a broken reconcile is not retried every interval.
   */
  reconcileError?: string;
}

/** Earlier revisions remembered per bundle (the cluster itself keeps five). */
const PREVIOUS_KEPT = 4;

/** The bundle list after `revision` of `name` was applied (a re-apply of the same revision keeps its history). */
export function withBundleApplied(
  bundles: readonly AppliedBundleRecord[] | undefined,
  applied: { name: string; revision: string; autoReconcile: boolean },
  now: string,
): AppliedBundleRecord[] {
  const list = [...(bundles ?? [])];
  const i = list.findIndex((b) => b.name === applied.name);
  const old = i >= 0 ? list[i] : undefined;
  const previous = !old ? [] : old.revision === applied.revision ? old.previous : [old.revision, ...old.previous.filter((r) => r !== applied.revision)].slice(0, PREVIOUS_KEPT);
  const record: AppliedBundleRecord = { ...applied, appliedAt: now, previous, drift: { checkedAt: now, status: 'InSync', missing: 0, drifted: 0, toPrune: 0, details: [] } };
  if (i >= 0) list[i] = record;
  else list.push(record);
  return list.sort((a, b) => a.name.localeCompare(b.name));
}

/** The bundle list after a rollback of `name` to `revision` (undefined: the bundle was removed). */
export function withBundleRolledBack(bundles: readonly AppliedBundleRecord[] | undefined, name: string, revision: string | undefined, now: string): AppliedBundleRecord[] {
  const list = (bundles ?? []).filter((b) => b.name !== name || revision !== undefined);
  return list.map((b) => {
    if (b.name !== name || revision === undefined) return b;
    return { ...b, revision, appliedAt: now, previous: b.previous.filter((r) => r !== revision), drift: { checkedAt: now, status: 'InSync', missing: 0, drifted: 0, toPrune: 0, details: [] } };
  });
}

/** The part of a cluster's state these rules read (structural, so state.ts can import this file). */
interface WithBundles {
  bundles?: AppliedBundleRecord[];
  updatedAt: string;
}

/** Records a drift check of one bundle. */
export function recordDrift<S extends WithBundles>(state: S, name: string, drift: BundleDrift, now: string): S {
  if (!state.bundles?.some((b) => b.name === name)) return state;
  return { ...state, bundles: state.bundles.map((b) => (b.name === name ? { ...b, drift } : b)), updatedAt: now };
}

/** Bundles whose last check found drift and that re-apply themselves. */
export function bundlesToReconcile(state: Pick<WithBundles, 'bundles'>): AppliedBundleRecord[] {
  return (state.bundles ?? []).filter((b) => b.autoReconcile && !b.reconcileError && b.drift?.status === 'Drifted');
}

/** The bundle list after an auto-reconcile: in sync again, or suspended with the reason. */
export function withReconcileOutcome(bundles: readonly AppliedBundleRecord[] | undefined, name: string, error: string | undefined, now: string): AppliedBundleRecord[] {
  return (bundles ?? []).map((b) => {
    if (b.name !== name) return b;
    if (error) return { ...b, reconcileError: error };
    const { reconcileError: _cleared, ...rest } = b;
    return { ...rest, drift: { checkedAt: now, status: 'InSync', missing: 0, drifted: 0, toPrune: 0, details: [] } };
  });
}
