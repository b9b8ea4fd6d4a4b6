import { describe, expect, it } from 'vitest';
import { bundlesToReconcile, withBundleApplied, withBundleRolledBack, withReconcileOutcome, type AppliedBundleRecord } from '../../src/domain/cluster/applied-bundles.js';
import type { ClusterState } from '../../src/domain/cluster/state.js';

const T = '2026-11-25T10:00:00.000Z';
const applied = (bundles: AppliedBundleRecord[] | undefined, name: string, revision: string, autoReconcile = false) =>
  withBundleApplied(bundles, { name, revision, autoReconcile }, T);

describe('the bundles a cluster entity remembers', () => {
  it('keeps earlier revisions newest first, bounded, for rollback', () => {
    let list = applied(undefined, 'web', 'v1');
    for (const r of ['v2', 'v3', 'v4', 'v5', 'v6']) list = applied(list, 'web', r);
    expect(list).toMatchObject([{ name: 'web', revision: 'v6', previous: ['v5', 'v4', 'v3', 'v2'] }]);
  });

  it('does not count a re-apply of the same revision as a new one', () => {
    const list = applied(applied(applied(undefined, 'web', 'v1'), 'web', 'v2'), 'web', 'v2');
    expect(list[0]).toMatchObject({ revision: 'v2', previous: ['v1'] });
  });

  it('goes back to a previous revision, or forgets a bundle rolled back to nothing', () => {
    const list = applied(applied(applied(undefined, 'web', 'v1'), 'web', 'v2'), 'api', 'a1');
    expect(withBundleRolledBack(list, 'web', 'v1', T).find((b) => b.name === 'web')).toMatchObject({ revision: 'v1', previous: [] });
    expect(withBundleRolledBack(list, 'api', undefined, T).map((b) => b.name)).toEqual(['web']);
  });

  it('reconciles only opted-in drifted bundles, and stops after a failed reconcile until the next apply', () => {
    const drifted = { checkedAt: T, status: 'Drifted' as const, missing: 0, drifted: 1, toPrune: 0, details: ['x'] };
    const list = [
      { ...applied(undefined, 'web', 'v1', true)[0]!, drift: drifted },
      { ...applied(undefined, 'audit', 'a1', false)[0]!, drift: drifted },
    ];
    const state = { bundles: list } as ClusterState;
    expect(bundlesToReconcile(state).map((b) => b.name)).toEqual(['web']);
    const failed = withReconcileOutcome(list, 'web', 'conflict', T);
    expect(bundlesToReconcile({ bundles: failed } as ClusterState)).toEqual([]);
    expect(applied(failed, 'web', 'v2', true)[1]).not.toHaveProperty('reconcileError');
  });
});
