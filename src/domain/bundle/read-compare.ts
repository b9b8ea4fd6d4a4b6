import { parseQuantity } from '../cluster/capacity.js';

/**
 * Drift of an object by reading only: the fields a manifest sets, compared with the live object
 * as read (GET). Used by `inform` policies, whose identity then needs read access only (a
 * server-side dry-run apply is a write request: RBAC asks for patch). What the manifest does not
 * set is not compared, so defaults the server added and other writers' fields are not drift.
 *
 * - maps: each key the manifest sets (metadata: only labels and annotations; apiVersion, kind,
 *   name and namespace name the object);
 * - lists whose items all have a `name` (containers, subjects, ports): matched by name, item by
 *   item, as `[name=web]`; other lists item by index (a shorter live list is drift at the list);
 * - scalars: equal, or two quantities of the same value ("1000m" and "1", "1Gi" and "1024Mi").
 *
 * Paths are as the apply-based diff writes them (".spec.policyTypes", ".subjects[name=devs].kind"), sorted.
 *
 * @example readDrift({ kind: 'ConfigMap', data: { a: '1' } }, { kind: 'ConfigMap', data: { a: '2', b: 'x' } }) // ['.data.a']
 */
export function readDrift(manifest: Record<string, unknown>, live: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const [key, want] of Object.entries(manifest)) {
    if (key === 'apiVersion' || key === 'kind' || key === 'status') continue;
    if (key === 'metadata') {
      const wm = (want ?? {}) as Record<string, unknown>;
      const lm = (live.metadata ?? {}) as Record<string, unknown>;
      for (const k of ['labels', 'annotations']) if (wm[k] !== undefined) compare(wm[k], lm[k], `.metadata.${k}`, out);
      continue;
    }
    compare(want, live[key], `.${key}`, out);
  }
  return out.sort();
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function compare(want: unknown, live: unknown, path: string, out: string[]): void {
  if (want === null || want === undefined) return;
  if (live === undefined || live === null) return void out.push(path);
  if (isMap(want)) {
    if (!isMap(live)) return void out.push(path);
    for (const [k, w] of Object.entries(want)) compare(w, live[k], `${path}.${k}`, out);
    return;
  }
  if (Array.isArray(want)) {
    if (!Array.isArray(live)) return void out.push(path);
    const named = want.length > 0 && want.every((x) => isMap(x) && typeof x.name === 'string');
    if (named) {
      for (const w of want as Record<string, unknown>[]) {
        const l = live.find((x) => isMap(x) && x.name === w.name);
        compare(w, l, `${path}[name=${String(w.name)}]`, out);
      }
      return;
    }
    if (live.length < want.length) return void out.push(path);
    want.forEach((w, i) => compare(w, live[i], `${path}[${i}]`, out));
    return;
  }
  if (!sameScalar(want, live)) out.push(path);
}

function sameScalar(want: unknown, live: unknown): boolean {
  if (want === live) return true;
  // YAML may give a number where the server keeps a string (a quantity, a port name) or back.
  if (String(want) === String(live) && (typeof want === 'number' || typeof live === 'number')) return true;
  if (typeof want !== 'string' && typeof want !== 'number') return false;
  if (typeof live !== 'string' && typeof live !== 'number') return false;
  const [a, b] = [parseQuantity(String(want)), parseQuantity(String(live))];
  return a !== undefined && b !== undefined && Math.abs(a - b) <= Math.abs(a) * 1e-9;
}
