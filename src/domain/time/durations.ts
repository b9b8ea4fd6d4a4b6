import { z } from 'zod';

/** Milliseconds per unit of a duration string. */
const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

const DURATION = /^(\d+(ms|s|m|h|d))+$/;
const PART = /(\d+)(ms|s|m|h|d)/g;

/** The error every malformed duration gets, so users see one wording everywhere. */
export const DURATION_ERROR = 'must be a duration such as "30s", "10m", "2h", "1d" or "1h30m"';

/** The result of parseDuration: milliseconds or the error to show. */
export type DurationParse = { ok: true; ms: number } | { ok: false; error: string };

/**
 * Parses "30s", "10m", "2h", "1d" and sums like "1h30m" to milliseconds. No fractions and no
 * spaces: one spelling per duration keeps plans easy to diff. A bare number is refused because
 * its unit would be a guess.
 */
export function parseDuration(text: string): DurationParse {
  const trimmed = text.trim();
  if (!DURATION.test(trimmed)) return { ok: false, error: DURATION_ERROR };
  let ms = 0;
  for (const m of trimmed.matchAll(PART)) ms += Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
  if (!Number.isSafeInteger(ms)) return { ok: false, error: 'is too long' };
  return { ok: true, ms };
}

/** A duration string in an input schema, parsed to milliseconds; at most `maxMs` when given. */
export function durationSchema(maxMs?: number, maxText?: string) {
  return z.string().transform((text, ctx) => {
    const parsed = parseDuration(text);
    if (!parsed.ok) {
      ctx.addIssue({ code: 'custom', message: parsed.error });
      return z.NEVER;
    }
    if (maxMs !== undefined && parsed.ms > maxMs) {
      ctx.addIssue({ code: 'custom', message: `must be at most ${maxText ?? formatDuration(maxMs)}` });
      return z.NEVER;
    }
    return parsed.ms;
  });
}

/** Any duration up to 30 days: soak times, progress deadlines. */
export const DurationSchema = durationSchema(30 * UNIT_MS.d, '30d');

/** Milliseconds as the shortest duration string, e.g. 5_400_000 -> "1h30m"; 0 -> "0s". */
export function formatDuration(ms: number): string {
  if (ms <= 0) return '0s';
  let rest = Math.round(ms);
  let out = '';
  for (const unit of ['d', 'h', 'm', 's', 'ms'] as const) {
    const n = Math.floor(rest / UNIT_MS[unit]);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * UNIT_MS[unit];
    }
  }
  return out;
}
