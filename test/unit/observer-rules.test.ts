import { describe, expect, it } from 'vitest';
import { OBSERVER_NAMESPACE_RULES, OBSERVER_RULES } from '../../src/domain/bundle/baseline.js';
import { REMOVED_APIS } from '../../src/domain/upgrade/removed-apis.js';

const rules = [...OBSERVER_RULES, ...OBSERVER_NAMESPACE_RULES];

describe('the fleetflow:observer rules', () => {
  it('only read, name every group and resource (no wildcard), and never Secrets', () => {
    for (const r of rules) {
      expect(r.verbs.every((v) => ['get', 'list', 'watch'].includes(v))).toBe(true);
      expect([...(r.apiGroups ?? []), ...(r.resources ?? [])]).not.toContain('*');
      expect(r.resources ?? []).not.toContain('secrets');
    }
  });

  it('cover every listable kind of the removed-API table, so the scan runs as the observer', () => {
    // Reviews (TokenReview, SubjectAccessReview ...) cannot be listed, and the scan skips them.
    const listable = REMOVED_APIS.filter((r) => !/Review$/.test(r.kind));
    const granted = new Set(OBSERVER_RULES.flatMap((r) => (r.apiGroups ?? []).flatMap((g) => (r.resources ?? []).map((res) => `${g}/${res}`))));
    const plural = (kind: string) => kind.toLowerCase().replace(/y$/, 'ie').replace(/s$/, 'se') + 's';
    const missing = listable.filter((r) => !granted.has(`${r.apiVersion.includes('/') ? r.apiVersion.split('/')[0] : ''}/${plural(r.kind)}`));
    expect(missing.map((r) => `${r.apiVersion} ${r.kind}`)).toEqual([]);
  });
});
