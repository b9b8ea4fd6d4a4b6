import { z } from 'zod';
import { durationSchema, DurationSchema } from './durations.js';
import { UpgradeWaveInputSchema } from '../upgrade/wave.js';
import { isTimeZone } from './zoned-time.js';

/**
 * A schedule file for `fleetflow schedules create -f`: when (cron or calendar, in a time zone,
 * with jitter), what (upgradeWave or fleetRollout with its input) and how (overlap policy,
 * catch-up window). It becomes a Temporal Schedule, visible and editable in the UI.
 *
 * @example
 * id: weekly-dev-upgrade
 * calendar: { dayOfWeek: SAT, hour: 2 }
 * timeZone: Europe/Berlin
 * workflow: upgradeWave
 * input: { targets: [{ selector: { environments: [dev] }, version: "1.36" }] }
 */

/** Workflows a schedule may start. */
export const SCHEDULED_WORKFLOWS = ['upgradeWave', 'fleetRollout'] as const;
/** Temporal's overlap policies; SKIP (the default) never starts a wave while the last one runs. */
export const OVERLAP_POLICIES = ['SKIP', 'BUFFER_ONE', 'BUFFER_ALL', 'CANCEL_OTHER', 'TERMINATE_OTHER', 'ALLOW_ALL'] as const;

export const DAYS_OF_WEEK = ['SUNDAY', 'MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY'] as const;
export const MONTHS = ['JANUARY', 'FEBRUARY', 'MARCH', 'APRIL', 'MAY', 'JUNE', 'JULY', 'AUGUST', 'SEPTEMBER', 'OCTOBER', 'NOVEMBER', 'DECEMBER'] as const;

/** "sat", "Saturday", "SAT" -> "SATURDAY"; months likewise, or 1-12. */
function named<T extends string>(names: readonly T[], what: string, numberBase?: number) {
  return z.union([z.string(), z.number()]).transform((v, ctx): T => {
    if (typeof v === 'number' && numberBase !== undefined && Number.isInteger(v) && v >= numberBase && v < numberBase + names.length) return names[v - numberBase]!;
    const hit = typeof v === 'string' ? names.find((n) => n === v.toUpperCase() || n.slice(0, 3) === v.toUpperCase()) : undefined;
    if (hit) return hit;
    ctx.addIssue({ code: 'custom', message: `must be a ${what} such as ${names[0]!.slice(0, 3).toLowerCase()} or ${names[0]}${numberBase !== undefined ? `, or ${numberBase}-${numberBase + names.length - 1}` : ''}` });
    return z.NEVER;
  });
}

/** Runs `schema` on a value and reports its issues under this path (so a choice of forms keeps exact messages). */
function delegate(schema: z.ZodType, v: unknown, ctx: z.RefinementCtx, at: PropertyKey[] = []): unknown {
  const r = schema.safeParse(v);
  if (r.success) return r.data;
  for (const issue of r.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: [...at, ...issue.path] });
  return z.NEVER;
}

/** "*", a value, a range {start, end?, step?}, or a list of values and ranges, as Temporal's LooseRange. */
function rangeField<T extends z.ZodType>(unit: T) {
  const range = z.object({ start: unit, end: unit.optional(), step: z.number().int().min(1, 'must be at least 1').optional() }).strict();
  const one = (v: unknown) => (v !== null && typeof v === 'object' ? range : unit);
  return z
    .unknown()
    .transform((v, ctx) => {
      if (v === '*') return v;
      if (!Array.isArray(v)) return delegate(one(v), v, ctx);
      if (!v.length) ctx.addIssue({ code: 'custom', message: 'must not be empty' });
      return v.map((x, i) => delegate(one(x), x, ctx, [i]));
    })
    .optional();
}

const int = (min: number, max: number) => z.number().int('must be a whole number').min(min, `must be at least ${min}`).max(max, `must be at most ${max}`);

/** A calendar entry, as Temporal's CalendarSpec: every field given must match; ranges and lists allowed. */
export const CalendarSchema = z
  .object({
    second: rangeField(int(0, 59)),
    minute: rangeField(int(0, 59)),
    hour: rangeField(int(0, 23)),
    dayOfMonth: rangeField(int(1, 31)),
    month: rangeField(named(MONTHS, 'month', 1)),
    year: rangeField(int(2000, 2200)),
    dayOfWeek: rangeField(named(DAYS_OF_WEEK, 'day of the week')),
    comment: z.string().max(200).optional(),
  })
  .strict();
export type Calendar = z.output<typeof CalendarSchema>;

/** Five cron fields, or a shortcut such as @daily; the zone goes in timeZone, not in the expression. */
const CronSchema = z
  .string()
  .trim()
  .superRefine((c, ctx) => {
    if (/^(CRON_)?TZ=/.test(c)) ctx.addIssue({ code: 'custom', message: 'must not name a time zone: use timeZone' });
    else if (!/^@(yearly|annually|monthly|weekly|daily|hourly)$/.test(c) && c.split(/\s+/).length !== 5) {
      ctx.addIssue({ code: 'custom', message: 'must be five cron fields ("0 2 * * SAT") or @daily, @weekly...' });
    }
  });

/** One item or a list of them; always a list after parsing (a single item's problems keep its own path). */
const oneOrMore = <T extends z.ZodType>(item: T) =>
  z.unknown().transform((v, ctx) => {
    if (!Array.isArray(v)) return [delegate(item, v, ctx)] as z.output<T>[];
    if (!v.length) ctx.addIssue({ code: 'custom', message: 'must not be empty' });
    return v.map((x, i) => delegate(item, x, ctx, [i])) as z.output<T>[];
  });

/** Jitter: at most a day, so a wave still starts on the day it was scheduled for. */
const JitterSchema = durationSchema(24 * 3_600_000, '1d');

/** A schedule file. Exactly one of cron or calendar. */
export const ScheduleFileSchema = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9][-A-Za-z0-9_.]{0,99}$/, 'must be 1-100 letters, digits, "-", "_" or ".", starting with a letter or digit'),
    cron: oneOrMore(CronSchema).optional(),
    calendar: oneOrMore(CalendarSchema).optional(),
    timeZone: z.string().refine(isTimeZone, 'must be an IANA time zone such as "Europe/Berlin" or "UTC"').default('UTC'),
    overlap: z.enum(OVERLAP_POLICIES, { error: `must be one of: ${OVERLAP_POLICIES.join(', ')}` }).default('SKIP'),
    /** After an outage, missed runs older than this are not taken. */
    catchupWindow: DurationSchema.prefault('1h'),
    jitter: JitterSchema.optional(),
    paused: z.boolean().default(false),
    note: z.string().max(500, 'must be at most 500 characters').optional(),
    workflow: z.enum(SCHEDULED_WORKFLOWS, { error: `must be one of: ${SCHEDULED_WORKFLOWS.join(', ')}` }),
    input: z.unknown(),
  })
  .strict()
  // Runs even when fields have problems of their own, so that every problem is listed at once.
  .superRefine((s, ctx) => {
    if (!s || typeof s !== 'object') return;
    if ((s.cron === undefined) === (s.calendar === undefined)) ctx.addIssue({ code: 'custom', path: [], message: 'must have either cron or calendar, not both or neither' });
    if (s.input === undefined) ctx.addIssue({ code: 'custom', path: ['input'], message: `must be the ${s.workflow ?? 'workflow'} input` });
    // The wave's own schema, so a bad plan is refused now and not at 2 am on Saturday.
    if (s.workflow === 'upgradeWave' && s.input !== undefined) {
      const r = UpgradeWaveInputSchema.safeParse(s.input);
      if (!r.success) for (const issue of r.error.issues) ctx.addIssue({ code: 'custom', path: ['input', ...issue.path], message: issue.message });
    }
  }, { when: () => true });
export type ScheduleFile = z.output<typeof ScheduleFileSchema>;

/** The workflow id prefix of runs a schedule starts (Temporal appends the scheduled time). */
export function scheduledWorkflowId(s: Pick<ScheduleFile, 'id' | 'workflow'>): string {
  return `${s.workflow === 'upgradeWave' ? 'upgrade-wave' : 'rollout'}/${s.id}`;
}
