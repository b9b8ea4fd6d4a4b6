import { z } from 'zod';
import {
  DAY_MS,
  MINUTE_MS,
  firstInstantAtOrAfter,
  isTimeZone,
  mergeIntervals,
  subtractIntervals,
  wallClock,
  wallDay,
  wallToInstants,
  wallWeekday,
  type Interval,
} from './zoned-time.js';

/**
 * Maintenance windows: when a cluster may be disrupted. A recurring window is open while the
 * local wall clock of its zone reads within [start, end) on one of its days (a window whose end
 * is not after its start runs past midnight into the next day). Exclusions are whole local
 * days on which nothing opens. DST follows from the wall-clock definition (see wallToInstants):
 * on a spring-forward day a window starting in the skipped hour opens when the clock jumps
 * (Sat 02:30-06:00 Europe/Berlin opens at 03:00 CEST), and a window lying wholly in the skipped
 * hour does not happen that day; in the repeated autumn hour a window is open during both
 * passes of its wall times.
 */

/** Day names, indexed like Date.getUTCDay (0 = Sunday). */
export const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** How far ahead nextOpening looks before it gives up. */
export const SEARCH_HORIZON_DAYS = 400;

const TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;
const minutesOf = (hhmm: string) => (hhmm === '24:00' ? 1440 : Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3)));

const TimeZoneSchema = z.string().refine(isTimeZone, 'must be an IANA time zone such as "Europe/Berlin" or "UTC"');
const StartSchema = z.string().regex(TIME, 'must be a time of day "HH:MM" from 00:00 to 23:59');
const EndSchema = z.string().refine((s) => TIME.test(s) || s === '24:00', 'must be a time of day "HH:MM" from 00:00 to 24:00');

const WindowObjectSchema = z
  .object({
    days: z
      .array(z.enum(WEEKDAYS, { error: `must be one of: ${WEEKDAYS.join(', ')}` }))
      .min(1, 'must name at least one day'),
    start: StartSchema,
    end: EndSchema,
    timeZone: TimeZoneSchema.default('UTC'),
  })
  .strict()
  .refine((w) => minutesOf(w.start) !== minutesOf(w.end), {
    message: 'start and end must differ (use 00:00-24:00 for a whole day)',
    path: ['end'],
  });

/** A recurring window, object form: `{ days: ['Sat'], start: '02:00', end: '06:00', timeZone: 'Europe/Berlin' }`. */
export type RecurringWindow = z.output<typeof WindowObjectSchema>;

const DAY_ALIASES: Record<string, readonly Weekday[]> = {
  daily: WEEKDAYS,
  weekdays: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'],
  weekends: ['Sat', 'Sun'],
};

/** The message a malformed window string gets. */
export const WINDOW_TEXT_ERROR =
  'must look like "Sat 02:00-06:00 Europe/Berlin" (days: Mon..Sun, lists "Sat,Sun", ranges "Mon-Fri", daily, weekdays, weekends)';

/**
 * Parses "Sat 02:00-06:00 Europe/Berlin", "Mon-Fri,Sun 22:00-02:00 UTC" or "daily 01:00-03:00"
 * (zone UTC when left out) into the object form, unvalidated.
 */
export function parseWindowText(text: string): { ok: true; value: z.input<typeof WindowObjectSchema> } | { ok: false; error: string } {
  const m = /^(\S+)\s+(\d\d:\d\d)-(\d\d:\d\d)(?:\s+(\S+))?$/.exec(text.trim());
  if (!m) return { ok: false, error: WINDOW_TEXT_ERROR };
  const days: Weekday[] = [];
  for (const item of m[1]!.split(',')) {
    const alias = DAY_ALIASES[item.toLowerCase()];
    const range = /^(\w{3})-(\w{3})$/.exec(item);
    const index = (d: string) => WEEKDAYS.findIndex((w) => w.toLowerCase() === d.toLowerCase());
    if (alias) days.push(...alias);
    else if (range && index(range[1]!) >= 0 && index(range[2]!) >= 0) {
      // Ranges wrap around the week: Fri-Mon is Fri, Sat, Sun, Mon.
      for (let i = index(range[1]!); ; i = (i + 1) % 7) {
        days.push(WEEKDAYS[i]!);
        if (i === index(range[2]!)) break;
      }
    } else if (index(item) >= 0) days.push(WEEKDAYS[index(item)]!);
    else return { ok: false, error: `day "${item}": ${WINDOW_TEXT_ERROR}` };
  }
  return { ok: true, value: { days: [...new Set(days)], start: m[2]!, end: m[3]!, ...(m[4] ? { timeZone: m[4] } : {}) } };
}

/** A recurring window in either form; the string form becomes the object form. */
export const MaintenanceWindowSchema = z.unknown().transform((input, ctx): RecurringWindow => {
  let candidate: unknown = input;
  if (typeof input === 'string') {
    const parsed = parseWindowText(input);
    if (!parsed.ok) {
      ctx.addIssue({ code: 'custom', message: parsed.error });
      return z.NEVER;
    }
    candidate = parsed.value;
  }
  const r = WindowObjectSchema.safeParse(candidate);
  if (!r.success) {
    // Issues of a string are reported on the string itself: it has no fields to point at.
    for (const issue of r.error.issues) {
      if (typeof input === 'string') ctx.addIssue({ code: 'custom', message: `${issue.path.join('.') || 'window'}: ${issue.message}` });
      else ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path as PropertyKey[] });
    }
    return z.NEVER;
  }
  return r.data;
});

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
function dateWall(text: string): number | undefined {
  const m = DATE.exec(text);
  if (!m) return undefined;
  const wall = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  // Date.UTC rolls 2026-02-30 over to March; a round trip catches it.
  const back = new Date(wall).toISOString().slice(0, 10);
  return back === text ? wall : undefined;
}

const DateSchema = z.string().refine((s) => dateWall(s) !== undefined, 'must be a date "YYYY-MM-DD"');

/** Days on which no window opens, inclusive, in `timeZone` (default UTC): `{ from: '2026-12-20', to: '2027-01-05' }`. */
export const MaintenanceExclusionSchema = z
  .object({
    from: DateSchema,
    to: DateSchema,
    timeZone: TimeZoneSchema.default('UTC'),
    reason: z.string().max(200, 'must be at most 200 characters').optional(),
  })
  .strict()
  .refine((e) => !(dateWall(e.from)! > dateWall(e.to)!), { message: 'must not be before from', path: ['to'] });
export type MaintenanceExclusion = z.output<typeof MaintenanceExclusionSchema>;

/**
 * When a cluster may be disrupted: its windows (none means any time) minus its exclusions.
 * Proposed as an optional `maintenance` field of ClusterSpec and as a plan's default.
 */
export const MaintenancePolicySchema = z
  .object({
    windows: z.array(MaintenanceWindowSchema).default([]),
    exclusions: z.array(MaintenanceExclusionSchema).default([]),
  })
  .strict();
export type MaintenancePolicy = z.output<typeof MaintenancePolicySchema>;
export type MaintenancePolicyInput = z.input<typeof MaintenancePolicySchema>;

/** "Sat 02:00-06:00 Europe/Berlin": a window as the UI and messages show it. */
export function describeWindow(w: RecurringWindow): string {
  const days = w.days.length === 7 ? 'daily' : w.days.join(',');
  return `${days} ${w.start}-${w.end} ${w.timeZone}`;
}

// ---------------------------------------------------------------------------------------------
// Window math. `now` and results are epoch milliseconds: workflows pass Date.now(), which the
// SDK makes deterministic.

/** Instants at which one window is open, for window days starting between two instants. */
function windowIntervals(w: RecurringWindow, from: number, to: number): Interval[] {
  const start = minutesOf(w.start) * MINUTE_MS;
  let end = minutesOf(w.end) * MINUTE_MS;
  if (end <= start) end += DAY_MS; // runs past midnight
  const days = new Set(w.days.map((d) => WEEKDAYS.indexOf(d)));
  const out: Interval[] = [];
  // A window that started the day before `from` may still be open at `from`.
  const first = wallDay(wallClock(from, w.timeZone)) - DAY_MS;
  const last = wallDay(wallClock(to, w.timeZone));
  for (let day = first; day <= last; day += DAY_MS) {
    if (days.has(wallWeekday(day))) out.push(...wallToInstants(day + start, day + end, w.timeZone));
  }
  return out;
}

function exclusionInterval(e: MaintenanceExclusion): Interval {
  return [firstInstantAtOrAfter(dateWall(e.from)!, e.timeZone), firstInstantAtOrAfter(dateWall(e.to)! + DAY_MS, e.timeZone)];
}

/** The instants in [from, to) at which the policy allows maintenance, merged and sorted. */
export function openIntervals(policy: MaintenancePolicy, from: number, to: number): Interval[] {
  const open = policy.windows.length
    ? mergeIntervals(policy.windows.flatMap((w) => windowIntervals(w, from, to)))
    : [[from, to] as Interval];
  const holes = mergeIntervals(policy.exclusions.map(exclusionInterval));
  return subtractIntervals(open, holes)
    .map(([s, e]): Interval => [Math.max(s, from), Math.min(e, to)])
    .filter(([s, e]) => e > s);
}

/** Whether maintenance may run at `now`. */
export function isOpen(policy: MaintenancePolicy, now: number): boolean {
  return openIntervals(policy, now, now + 1).length > 0;
}

/** When maintenance may next run, or why it cannot within the horizon. */
export type NextOpening =
  | {
      /** `now` itself when the window is open already. */
      opensAt: number;
      /** When it closes; null when it stays open past the search horizon. */
      closesAt: number | null;
      openNow: boolean;
    }
  | { opensAt: null; reason: string };

/**
 * The next time maintenance may run, searching SEARCH_HORIZON_DAYS ahead: a workflow whose
 * cluster's window is closed sleeps until `opensAt` (a durable timer), then checks again.
 * Adjacent windows (Sat 22:00-24:00 and Sun 00:00-04:00) count as one opening.
 */
export function nextOpening(policy: MaintenancePolicy, now: number, horizonDays = SEARCH_HORIZON_DAYS): NextOpening {
  const horizon = now + horizonDays * DAY_MS;
  const first = openIntervals(policy, now, horizon)[0];
  if (!first) {
    const what = policy.windows.length ? `windows ${policy.windows.map(describeWindow).join('; ')}` : 'any time';
    const why = policy.exclusions.map((e) => `${e.from}..${e.to}${e.reason ? ` (${e.reason})` : ''}`).join('; ');
    return {
      opensAt: null,
      reason: `no maintenance window opens within ${horizonDays} days (${what}${why ? `; excluded ${why}` : ''})`,
    };
  }
  return { opensAt: first[0], closesAt: first[1] >= horizon ? null : first[1], openNow: first[0] === now };
}
