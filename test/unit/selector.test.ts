import { describe, expect, it } from 'vitest';
import { inventoryQuery, parseSelector } from '../../src/domain/selection/selector-syntax.js';

describe('parseSelector', () => {
  it.each([
    ['', []],
    ['env=prod', [{ key: 'env', op: '=', value: 'prod' }]],
    // spaces around terms are forgiven; == is accepted like kubectl
    [' team==web , region!=eu-west-1 ', [{ key: 'team', op: '=', value: 'web' }, { key: 'region', op: '!=', value: 'eu-west-1' }]],
    ['fleetflow.io/tier=gold', [{ key: 'fleetflow.io/tier', op: '=', value: 'gold' }]],
  ])('parses %j', (text, terms) => {
    expect(parseSelector(text)).toEqual({ ok: true, terms });
  });

  it.each([
    ['env', 'selector term "env": expected key=value or key!=value'],
    ['bad key=x', 'selector term "bad key=x": "bad key" is not a valid label key'],
    ['team=a b', 'selector term "team=a b": "a b" is not a valid label value'],
  ])('refuses %j', (text, error) => {
    expect(parseSelector(text)).toEqual({ ok: false, error });
  });
});

describe('inventoryQuery', () => {
  it('maps inventory fields to their attributes and other keys to labels', () => {
    const parsed = parseSelector('env=prod,region=eu-west-1,team!=web');
    if (!parsed.ok) throw new Error(parsed.error);
    expect(inventoryQuery(parsed.terms)).toBe(
      "WorkflowType = 'clusterEntity' AND ExecutionStatus = 'Running' AND FleetEnvironment = 'prod' AND " +
        "FleetRegion = 'eu-west-1' AND FleetLabels != 'team=web'",
    );
  });

  it('includes deleted clusters only when asked', () => {
    expect(inventoryQuery([], true)).toBe("WorkflowType = 'clusterEntity'");
  });

  it('escapes quotes so a value cannot change the query', () => {
    expect(inventoryQuery([{ key: 'region', op: '=', value: "x' OR '1'='1" }])).toContain("FleetRegion = 'x\\' OR \\'1\\'=\\'1'");
  });
});
