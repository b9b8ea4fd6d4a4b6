/**
 * Server-side apply records, per field manager, the set of fields it owns (`managedFields[].
 * fieldsV1`): a tree whose keys are "f:<field>", "k:<json key of a list element>",
 * "v:<json value of a set element>", "i:<index>" and "." (the node itself). Drift is judged on
 * that set only: a field someone else owns, or the server defaults, is not ours to compare.
 * Pure.
 */

/** A fieldsV1 tree. */
export type FieldSet = { [key: string]: FieldSet };

/** One managedFields entry, as the API server returns it. */
export interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  subresource?: string;
  fieldsV1?: FieldSet;
}

/** The fields `manager` owns through Apply on the main resource (not status), or undefined. */
export function appliedFieldsOf(obj: { metadata?: { managedFields?: ManagedFieldsEntry[] } }, manager: string): FieldSet | undefined {
  return obj.metadata?.managedFields?.find((e) => e.manager === manager && e.operation === 'Apply' && !e.subresource)?.fieldsV1;
}

/** Deep equality over JSON values (key order does not matter). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => jsonEqual(v, bb[i]));
  }
  const ak = Object.keys(a);
  const bo = b as Record<string, unknown>;
  return ak.length === Object.keys(bo).length && ak.every((k) => k in bo && jsonEqual((a as Record<string, unknown>)[k], bo[k]));
}

/** The list element whose fields match `key` (a "k:" entry), or undefined. */
function elementByKey(list: unknown, key: Record<string, unknown>): unknown {
  if (!Array.isArray(list)) return undefined;
  return list.find((el) => el && typeof el === 'object' && Object.entries(key).every(([k, v]) => jsonEqual((el as Record<string, unknown>)[k], v)));
}

function step(value: unknown, key: string): { value: unknown; label: string } {
  const kind = key.slice(0, 2);
  const rest = key.slice(2);
  if (kind === 'f:') {
    const v = value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>)[rest] : undefined;
    return { value: v, label: `.${rest}` };
  }
  if (kind === 'k:') {
    const k = JSON.parse(rest) as Record<string, unknown>;
    const label = `[${Object.entries(k).map(([f, v]) => `${f}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(',')}]`;
    return { value: elementByKey(value, k), label };
  }
  if (kind === 'v:') {
    const want = JSON.parse(rest) as unknown;
    const found = Array.isArray(value) && value.some((el) => jsonEqual(el, want));
    return { value: found ? want : undefined, label: `[=${typeof want === 'string' ? want : JSON.stringify(want)}]` };
  }
  if (kind === 'i:') {
    const i = Number(rest);
    return { value: Array.isArray(value) ? value[i] : undefined, label: `[${i}]` };
  }
  return { value: undefined, label: `[${key}]` };
}

/**
 * The paths (".data.tier", ".spec.template.spec.containers[name=web].image") of the fields in
 * `fields` whose value in `live` differs from `desired`. A field missing from `live` differs;
 * a subtree that is missing is reported once, at its root. Sorted.
 *
 * @example driftedFields({ 'f:data': { 'f:a': {} } }, { data: { a: '1' } }, { data: { a: '2' } }) // ['.data.a']
 */
export function driftedFields(fields: FieldSet, live: unknown, desired: unknown): string[] {
  const out: string[] = [];
  const walk = (node: FieldSet, liveV: unknown, wantV: unknown, path: string) => {
    const children = Object.keys(node).filter((k) => k !== '.');
    if (children.length === 0) {
      if (!jsonEqual(liveV, wantV)) out.push(path || '.');
      return;
    }
    for (const key of children) {
      const l = step(liveV, key);
      const w = step(wantV, key);
      const childPath = path + w.label;
      if (l.value === undefined && w.value !== undefined) out.push(childPath);
      else if (l.value !== undefined && w.value === undefined) out.push(childPath);
      else if (l.value !== undefined) walk(node[key]!, l.value, w.value, childPath);
    }
  };
  walk(fields, live, desired, '');
  return out.sort();
}
