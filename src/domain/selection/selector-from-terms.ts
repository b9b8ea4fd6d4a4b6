import type { FleetSelector } from './fleet-selector.js';
import type { SelectorTerm } from './selector-syntax.js';

/** A fleet selector built from command-line terms, or why it cannot be. */
export type TermsToSelector = { ok: true; selector: FleetSelector } | { ok: false; error: string };

const LIST_FIELDS: Record<string, 'providers' | 'regions' | 'environments'> = {
  provider: 'providers',
  region: 'regions',
  env: 'environments',
  environment: 'environments',
};

/**
 * Turns `team=web,env=dev,tier!=critical` (parsed by parseSelector) into the FleetSelector a
 * fleet workflow takes, keeping the command line's meaning: every term must hold. So a field
 * given twice is refused (a FleetSelector list means "any of"), `!=` works on labels and
 * versions only, and phase and health are refused: placement decides those itself.
 * Example: [{key: 'team', op: '=', value: 'web'}] -> { matchLabels: { team: 'web' } }.
 */
export function fleetSelectorFromTerms(terms: readonly SelectorTerm[]): TermsToSelector {
  const s: FleetSelector = {};
  for (const t of terms) {
    const text = `${t.key}${t.op}${t.value}`;
    if (t.key === 'phase' || t.key === 'health') {
      return { ok: false, error: `selector term "${text}": fleet operations do not select by ${t.key}; busy, deleted and unready clusters are reported by the plan` };
    }
    const list = LIST_FIELDS[t.key];
    if (list) {
      if (t.op === '!=') return { ok: false, error: `selector term "${text}": != is supported on labels and version only` };
      if (s[list]) return { ok: false, error: `selector term "${text}": ${t.key} is given twice` };
      s[list] = [t.value];
      continue;
    }
    if (t.key === 'version') {
      s.versions = [...(s.versions ?? []), t.op === '!=' ? `!=${t.value}` : t.value];
      continue;
    }
    if (t.op === '!=') {
      s.matchExpressions = [...(s.matchExpressions ?? []), { key: t.key, operator: 'NotIn', values: [t.value] }];
      continue;
    }
    const labels = (s.matchLabels ??= {});
    if (t.key in labels && labels[t.key] !== t.value) return { ok: false, error: `selector term "${text}": label ${t.key} is given twice` };
    labels[t.key] = t.value;
  }
  return { ok: true, selector: s };
}
