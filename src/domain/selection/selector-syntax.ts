import { INVENTORY_ATTRIBUTES, CLUSTER_ENTITY_TYPE } from '../cluster/inventory.js';
import { isLabelKey, isLabelValue } from '../cluster/labels.js';

/** One term of a selector such as `env=prod,region!=eu-west-1,team=web`. */
export interface SelectorTerm {
  key: string;
  op: '=' | '!=';
  value: string;
}

/** Selector keys that name an inventory field rather than a label. */
const FIELD_KEYS: Record<string, keyof typeof INVENTORY_ATTRIBUTES> = {
  provider: 'provider',
  region: 'region',
  env: 'environment',
  environment: 'environment',
  version: 'version',
  phase: 'phase',
  health: 'health',
};

export type SelectorParse = { ok: true; terms: SelectorTerm[] } | { ok: false; error: string };

/**
 * Parses `k=v,k2!=v2`. `provider`, `region`, `env`/`environment`, `version`, `phase` and
 * `health` select inventory fields; every other key selects a label.
 */
export function parseSelector(text: string): SelectorParse {
  const terms: SelectorTerm[] = [];
  for (const raw of text.split(',').map((t) => t.trim()).filter(Boolean)) {
    const m = /^([^=!]+)(!=|==|=)(.*)$/.exec(raw);
    if (!m) return { ok: false, error: `selector term "${raw}": expected key=value or key!=value` };
    const key = m[1]!.trim();
    const value = m[3]!.trim();
    const op = m[2] === '!=' ? '!=' : '=';
    if (!(key in FIELD_KEYS) && !isLabelKey(key)) return { ok: false, error: `selector term "${raw}": "${key}" is not a valid label key` };
    if (!isLabelValue(value) && !(key in FIELD_KEYS)) {
      return { ok: false, error: `selector term "${raw}": "${value}" is not a valid label value` };
    }
    terms.push({ key, op, value });
  }
  return { ok: true, terms };
}

const quote = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/**
 * The visibility query listing cluster entities that match a selector. Deleted clusters'
 * entities have completed, so only running ones are listed unless `includeDeleted`.
 */
export function inventoryQuery(terms: readonly SelectorTerm[], includeDeleted = false): string {
  const clauses = [`WorkflowType = ${quote(CLUSTER_ENTITY_TYPE)}`];
  if (!includeDeleted) clauses.push(`ExecutionStatus = 'Running'`);
  for (const t of terms) {
    const field = FIELD_KEYS[t.key];
    const attr = field ? INVENTORY_ATTRIBUTES[field] : INVENTORY_ATTRIBUTES.labels;
    const value = field ? t.value : `${t.key}=${t.value}`;
    // KeywordList supports = and != as "contains" and "does not contain".
    clauses.push(`${attr} ${t.op} ${quote(value)}`);
  }
  return clauses.join(' AND ');
}
