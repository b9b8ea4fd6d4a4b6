/**
 * Wall-clock arithmetic in IANA time zones with nothing but Intl.DateTimeFormat, so that it runs
 * inside the Temporal workflow sandbox (a V8 context of the same Node: Intl and its time-zone
 * data are there; no date library, no Node built-in). Instants are epoch milliseconds; a "wall"
 * time is the local date and time of a zone written as if it were UTC milliseconds.
 */

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

// Formatters are costly to build and pure to use; a module-level cache is deterministic.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when Intl knows the zone ("Europe/Berlin", "UTC"). */
export function isTimeZone(timeZone: string): boolean {
  if (!timeZone) return false;
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The wall clock of `timeZone` at instant `t`, to the second, as UTC-style milliseconds. */
export function wallClock(t: number, timeZone: string): number {
  const p: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(t)) if (part.type !== 'literal') p[part.type] = Number(part.value);
  return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
}

/** The zone's UTC offset at instant `t` in milliseconds (Europe/Berlin in summer: 7_200_000). */
export function offsetAt(t: number, timeZone: string): number {
  const whole = Math.floor(t / 1000) * 1000;
  return wallClock(whole, timeZone) - whole;
}

/** The first instant in (lo, hi] whose offset differs from the offset at lo (to the second). */
function transitionBetween(lo: number, hi: number, timeZone: string): number {
  const before = offsetAt(lo, timeZone);
  let l = Math.floor(lo / 1000);
  let h = Math.ceil(hi / 1000);
  while (h - l > 1) {
    const m = Math.floor((l + h) / 2);
    if (offsetAt(m * 1000, timeZone) === before) l = m;
    else h = m;
  }
  return h * 1000;
}

/** A half-open interval of instants [start, end). */
export type Interval = [start: number, end: number];

/**
 * Every instant at which the wall clock of `timeZone` reads within [wallStart, wallEnd): the
 * definition of a window that is exact across DST. In a spring-forward gap the skipped wall
 * times never occur (a window 02:00-04:00 opens at 03:00 on that day); in the autumn's
 * repeated hour they occur twice (a window 02:00-02:30 is open twice that night, 02:00-06:00
 * lasts five hours). The span must be under two days; it may contain one offset change.
 */
export function wallToInstants(wallStart: number, wallEnd: number, timeZone: string): Interval[] {
  if (wallEnd <= wallStart) return [];
  // Offsets are within ±18 h, so every matching instant lies within a day of the wall span.
  const lo = wallStart - DAY_MS;
  const hi = wallEnd + DAY_MS;
  const o1 = offsetAt(lo, timeZone);
  const o2 = offsetAt(hi, timeZone);
  if (o1 === o2) return [[wallStart - o1, wallEnd - o1]];
  const change = transitionBetween(lo, hi, timeZone);
  const out: Interval[] = [];
  const first: Interval = [wallStart - o1, Math.min(wallEnd - o1, change)];
  const second: Interval = [Math.max(wallStart - o2, change), wallEnd - o2];
  if (first[1] > first[0]) out.push(first);
  if (second[1] > second[0]) {
    const last = out[out.length - 1];
    if (last && last[1] >= second[0]) last[1] = Math.max(last[1], second[1]);
    else out.push(second);
  }
  return out;
}

/** The first instant at which the wall clock of `timeZone` reads `wall` or later. */
export function firstInstantAtOrAfter(wall: number, timeZone: string): number {
  return wallToInstants(wall, wall + DAY_MS, timeZone)[0]![0];
}

/** Sorts and merges touching or overlapping intervals. */
export function mergeIntervals(intervals: readonly Interval[]): Interval[] {
  const sorted = [...intervals].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const out: Interval[] = [];
  for (const [s, e] of sorted) {
    const last = out[out.length - 1];
    if (last && s <= last[1]) last[1] = Math.max(last[1], e);
    else out.push([s, e]);
  }
  return out;
}

/** `intervals` minus `holes`; both merged and sorted. */
export function subtractIntervals(intervals: readonly Interval[], holes: readonly Interval[]): Interval[] {
  const out: Interval[] = [];
  for (const [start, end] of intervals) {
    let s = start;
    for (const [hs, he] of holes) {
      if (he <= s || hs >= end) continue;
      if (hs > s) out.push([s, hs]);
      s = Math.max(s, he);
      if (s >= end) break;
    }
    if (s < end) out.push([s, end]);
  }
  return out;
}

/** Wall-clock midnight of the UTC-style day containing `wall`. */
export const wallDay = (wall: number): number => Math.floor(wall / DAY_MS) * DAY_MS;

/** Day of week of a wall time, 0 = Sunday. */
export const wallWeekday = (wall: number): number => (((Math.floor(wall / DAY_MS) + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday
