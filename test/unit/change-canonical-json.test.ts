import { describe, expect, it } from 'vitest';
import { canonicalJson, differingPaths } from '../../src/domain/change/canonical-json.js';

describe('canonical JSON of a change request', () => {
  it('is the same text for the same JSON whatever the key order', () => {
    expect(canonicalJson({ b: 1, a: [true, { d: null, c: 'x' }] })).toBe('{"a":[true,{"c":"x","d":null}],"b":1}');
    expect(canonicalJson({ type: 'rollout', input: { b: 2, a: 1 } })).toBe(canonicalJson({ input: { a: 1, b: 2 }, type: 'rollout' }));
  });

  it('leaves out undefined members as JSON does, and keeps array order (order matters in a plan)', () => {
    expect(canonicalJson({ a: undefined, b: [2, 1] })).toBe('{"b":[2,1]}');
    expect(canonicalJson([undefined])).toBe('[null]');
  });
});

describe('the fields two inputs differ in', () => {
  const cases: [string, unknown, unknown, string[]][] = [
    // Equal inputs, other key order: nothing differs.
    ['equal', { input: { name: 'a', force: false } }, { input: { force: false, name: 'a' } }, []],
    // A changed leaf is named by its path as users write it.
    ['a changed value', { input: { plan: { maxFailures: 0 } } }, { input: { plan: { maxFailures: 1 } } }, ['input.plan.maxFailures']],
    // Present on one side only.
    ['a field added', { input: { name: 'a' } }, { input: { name: 'a', force: true } }, ['input.force']],
    // Arrays differ per index.
    ['an array item', { input: { targets: [{ v: '1.35' }, { v: '1.36' }] } }, { input: { targets: [{ v: '1.35' }, { v: '1.37' }] } }, ['input.targets[1].v']],
    ['a longer array', { input: { clusters: ['a'] } }, { input: { clusters: ['a', 'b'] } }, ['input.clusters[1]']],
    // A different type of value is a difference at that path, not below it.
    ['object vs string', { type: 'rollout', input: { s: { a: 1 } } }, { type: 'upgradeWave', input: { s: 'x' } }, ['input.s', 'type']],
    // Keys that are not identifiers are quoted.
    ['odd keys', { input: { labels: { 'team.io/x': 'a' } } }, { input: { labels: { 'team.io/x': 'b' } } }, ['input.labels["team.io/x"]']],
  ];
  it.each(cases)('%s', (_why, a, b, paths) => {
    expect(differingPaths(a, b)).toEqual(paths);
  });

  it('stops at the limit, so a wholly different input gives a short answer', () => {
    const a = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, i]));
    expect(differingPaths(a, {}, 5)).toHaveLength(5);
  });
});
