import { describe, expect, it } from 'vitest';
import { DURATION_ERROR, DurationSchema, formatDuration, parseDuration } from '../../src/domain/time/durations.js';
import { parseWith } from '../../src/domain/validation.js';

describe('parseDuration', () => {
  it.each([
    ['30s', 30_000],
    ['10m', 600_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    ['0s', 0], // no soak at all is a valid choice
    ['1h30m', 5_400_000], // sums, as Go and kubectl write them
    ['250ms', 250],
    [' 5m ', 300_000], // surrounding spaces are forgiven
  ])('reads %j as %i ms', (text, ms) => {
    expect(parseDuration(text)).toEqual({ ok: true, ms });
  });

  it.each([
    ['', 'empty'],
    ['10', 'a bare number has no unit'],
    ['1.5h', 'fractions are refused: one spelling per duration'],
    ['10 m', 'no spaces inside'],
    ['1w', 'weeks are not a unit'],
    ['-5m', 'negative'],
  ])('refuses %j (%s)', (text) => {
    expect(parseDuration(text)).toEqual({ ok: false, error: DURATION_ERROR });
  });
});

describe('DurationSchema', () => {
  it('turns a duration into milliseconds and caps it at 30 days', () => {
    expect(parseWith(DurationSchema, '30d', 'soak')).toEqual({ ok: true, value: 30 * 86_400_000 });
    expect(parseWith(DurationSchema, '31d', 'soak')).toEqual({ ok: false, problems: [{ path: 'soak', message: 'must be at most 30d' }] });
    expect(parseWith(DurationSchema, 'soon', 'soak')).toEqual({ ok: false, problems: [{ path: 'soak', message: DURATION_ERROR }] });
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [5_400_000, '1h30m'],
    [90_061_001, '1d1h1m1s1ms'],
  ])('writes %i ms as %j', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
