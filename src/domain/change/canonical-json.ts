import { formatPath } from '../validation.js';

/**
 * The canonical JSON of a value: object keys sorted at every depth, no whitespace, undefined
 * members left out (as JSON.stringify does). Two requests that mean the same JSON have the same
 * text, so its hash decides whether a ticket's second request is a repeat or a conflict.
 *
 * @example canonicalJson({ b: 1, a: [true, { d: null, c: 'x' }] }) === '{"a":[true,{"c":"x","d":null}],"b":1}'
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map((x) => (x === undefined ? null : sortKeys(x)));
  if (v && typeof v === 'object' && !(v instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined) out[k] = sortKeys(x);
    }
    return out;
  }
  return v;
}

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/**
 * The paths at which two JSON values differ ("input.plan.maxFailures", "input.targets[1]"),
 * sorted, at most `limit` of them: what a 409 names when a ticket comes again with another input.
 * A member present on one side only differs at its own path; arrays differ per index.
 */
export function differingPaths(a: unknown, b: unknown, limit = 20): string[] {
  const out: string[] = [];
  const walk = (x: unknown, y: unknown, path: (string | number)[]) => {
    if (out.length >= limit) return;
    if (isObject(x) && isObject(y)) {
      const keys = [...new Set([...Object.keys(x), ...Object.keys(y)])].sort();
      for (const k of keys) walk(x[k], y[k], [...path, k]);
      return;
    }
    if (Array.isArray(x) && Array.isArray(y)) {
      for (let i = 0; i < Math.max(x.length, y.length); i++) walk(x[i], y[i], [...path, i]);
      return;
    }
    if (canonicalJson(x) !== canonicalJson(y)) out.push(formatPath('', path));
  };
  walk(a, b, []);
  return out;
}
