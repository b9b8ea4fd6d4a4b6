/**
 * The carried state of a staged operation, packed for continue-as-new. Unpacked, its
 * per-cluster records (runs, environments, reach, upgrades) cost about 240 bytes a cluster:
 * 2.4 MB at 10,000 clusters, over Temporal's 2 MB payload limit. Packed, each record becomes a
 * table of its distinct values (as JSON) and one column of table indices in the order of the
 * stages' clusters, with the per-cluster timestamps of runs as their own columns (base-36
 * offsets): about 30 bytes a cluster. Packing is lossless (unpackState(packState(s)) equals s).
 *
 * Only a large state is packed (over PACK_ABOVE_BYTES as JSON): a small one is carried as it
 * always was, so a worker rolled back to code that predates packing still reads it. Code that
 * reads a carried state unpacks it first; an unpacked one passes through unchanged.
 */

/** A state at most this large (JSON characters) is carried unpacked. */
export const PACK_ABOVE_BYTES = 256 * 1024;

/** The records keyed by cluster name that are packed, when present. */
const PACKED_RECORDS = ['runs', 'environments', 'reach', 'upgrades', 'overridesOf'] as const;
/** Number fields of a record's values that are unique per cluster: columns of their own. */
const COLUMNS = ['startedAt', 'endedAt'] as const;

/** One record, packed. */
export interface PackedRecord {
  /** Distinct values (JSON, without the column fields and without a `name` equal to the key). */
  table: string[];
  /** Per cluster in order: the table index (base 36), or empty when the cluster has no entry. */
  at: string;
  /** Per column: per cluster, the value minus `base` (base 36), or empty when absent. */
  columns: Partial<Record<(typeof COLUMNS)[number], string>>;
  /** Entries whose value held `name` equal to their key. */
  named: boolean;
  /** Entries not keyed by a cluster of the stages (kept as they were). */
  rest: Record<string, unknown>;
}

export interface PackedState {
  v: 1;
  base: number;
  records: Partial<Record<(typeof PACKED_RECORDS)[number], PackedRecord>>;
}

type State = { stages: readonly { clusters: readonly string[] }[] };

const orderOf = (s: State): string[] => [...new Set(s.stages.flatMap((st) => st.clusters))];

function packRecord(order: string[], rec: Record<string, unknown>, base: number): PackedRecord {
  const table: string[] = [];
  const index = new Map<string, number>();
  const columns: Record<string, string[]> = {};
  const at: string[] = [];
  let named = false;
  const inOrder = new Set(order);
  for (const name of order) {
    const value = rec[name];
    if (value === undefined) {
      at.push('');
      for (const c of COLUMNS) (columns[c] ??= []).push('');
      continue;
    }
    let rest: unknown = value;
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      const v = { ...(value as Record<string, unknown>) };
      for (const c of COLUMNS) {
        const n = v[c];
        (columns[c] ??= []).push(typeof n === 'number' && Number.isInteger(n) ? (n - base).toString(36) : '');
        if (typeof n === 'number' && Number.isInteger(n)) delete v[c];
      }
      if (v.name === name) {
        named = true;
        delete v.name;
      }
      rest = v;
    } else for (const c of COLUMNS) (columns[c] ??= []).push('');
    const json = JSON.stringify(rest);
    let i = index.get(json);
    if (i === undefined) {
      i = table.push(json) - 1;
      index.set(json, i);
    }
    at.push(i.toString(36));
  }
  const packedColumns: PackedRecord['columns'] = {};
  for (const c of COLUMNS) if (columns[c]?.some((x) => x !== '')) packedColumns[c] = columns[c].join(',');
  return { table, at: at.join(','), columns: packedColumns, named, rest: Object.fromEntries(Object.entries(rec).filter(([k]) => !inOrder.has(k))) };
}

function unpackRecord(order: string[], p: PackedRecord, base: number): Record<string, unknown> {
  const at = p.at.split(',');
  const cols = Object.fromEntries(Object.entries(p.columns).map(([c, v]) => [c, v!.split(',')]));
  const out: Record<string, unknown> = {};
  order.forEach((name, i) => {
    if (!at[i]) return;
    const value: unknown = JSON.parse(p.table[parseInt(at[i]!, 36)]!);
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      const v = value as Record<string, unknown>;
      const withName = p.named && !('name' in v) ? { name, ...v } : v;
      for (const c of COLUMNS) {
        const x = cols[c]?.[i];
        if (x) withName[c] = parseInt(x, 36) + base;
      }
      out[name] = withName;
    } else out[name] = value;
  });
  return { ...out, ...p.rest };
}

/** The state as carried: packed when large, unchanged otherwise. */
export function packState<S extends State>(s: S, above = PACK_ABOVE_BYTES): S {
  if (JSON.stringify(s).length <= above) return s;
  const order = orderOf(s);
  const rec = s as unknown as Record<string, unknown>;
  const starts = Object.values((rec.runs ?? {}) as Record<string, { startedAt?: unknown }>).flatMap((r) => (typeof r?.startedAt === 'number' && Number.isInteger(r.startedAt) ? [r.startedAt] : []));
  const base = starts.reduce((a, b) => Math.min(a, b), starts[0] ?? 0);
  const packed: PackedState = { v: 1, base, records: {} };
  const out: Record<string, unknown> = { ...rec };
  for (const key of PACKED_RECORDS) {
    const r = rec[key];
    if (!r || typeof r !== 'object' || Array.isArray(r)) continue;
    packed.records[key] = packRecord(order, r as Record<string, unknown>, base);
    out[key] = {}; // still a record: a reader that checks the shape before unpacking accepts it
  }
  out.packed = packed;
  return out as unknown as S;
}

/** The state to work with: unpacked when it was carried packed, unchanged otherwise. */
export function unpackState<S extends State>(s: S): S {
  const packed = (s as unknown as { packed?: PackedState }).packed;
  if (!packed || packed.v !== 1) return s;
  const order = orderOf(s);
  const { packed: _packed, ...out } = s as unknown as Record<string, unknown>;
  for (const [key, p] of Object.entries(packed.records)) out[key] = unpackRecord(order, p!, packed.base);
  return out as unknown as S;
}
