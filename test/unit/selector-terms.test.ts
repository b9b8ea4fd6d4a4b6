import { describe, expect, it } from 'vitest';
import { FleetSelectorSchema } from '../../src/domain/selection/fleet-selector.js';
import { parseSelector } from '../../src/domain/selection/selector-syntax.js';
import { fleetSelectorFromTerms } from '../../src/domain/selection/selector-from-terms.js';

const convert = (text: string) => {
  const parsed = parseSelector(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return fleetSelectorFromTerms(parsed.terms);
};

describe('fleetSelectorFromTerms', () => {
  it('maps labels, fields and versions to the fleet selector, every term required', () => {
    const r = convert('team=web,env=dev,provider=local,region=eu-west-1,tier!=critical,version!=1.33');
    expect(r).toEqual({
      ok: true,
      selector: {
        matchLabels: { team: 'web' },
        environments: ['dev'],
        providers: ['local'],
        regions: ['eu-west-1'],
        matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['critical'] }],
        versions: ['!=1.33'],
      },
    });
    // what it builds is a valid selector
    expect(FleetSelectorSchema.safeParse(r.ok && r.selector).success).toBe(true);
  });

  it('keeps AND semantics: a field or label given twice is refused rather than turned into "any of"', () => {
    expect(convert('env=dev,environment=prod')).toEqual({ ok: false, error: 'selector term "environment=prod": environment is given twice' });
    expect(convert('team=web,team=db')).toEqual({ ok: false, error: 'selector term "team=db": label team is given twice' });
  });

  it('refuses != on inventory fields and selecting by phase or health', () => {
    expect(convert('env!=prod')).toEqual({ ok: false, error: 'selector term "env!=prod": != is supported on labels and version only' });
    expect(convert('phase=Active').ok).toBe(false);
    expect(convert('health=Degraded').ok).toBe(false);
  });

  it('gives an empty selector for no terms (the decommission schema then refuses it)', () => {
    expect(convert('')).toEqual({ ok: true, selector: {} });
  });
});
