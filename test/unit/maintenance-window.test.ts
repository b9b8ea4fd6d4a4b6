import { describe, expect, it } from 'vitest';
import {
  MaintenancePolicySchema,
  MaintenanceWindowSchema,
  describeWindow,
  isOpen,
  nextOpening,
  type MaintenancePolicyInput,
} from '../../src/domain/time/maintenance-window.js';
import { parseWith } from '../../src/domain/validation.js';

// Every case runs on a fixed clock. Calendar facts used below (2026): Jan 3 is a Saturday;
// Europe/Berlin springs forward on Sun Mar 29 at 01:00Z (02:00 CET -> 03:00 CEST) and falls
// back on Sun Oct 25 at 01:00Z (03:00 CEST -> 02:00 CET); America/New_York springs forward on
// Sun Mar 8 at 07:00Z (02:00 EST -> 03:00 EDT).

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString().replace('.000Z', 'Z'));
const policy = (input: MaintenancePolicyInput) => MaintenancePolicySchema.parse(input);

function opening(input: MaintenancePolicyInput, now: string) {
  const r = nextOpening(policy(input), at(now));
  return r.opensAt === null ? r : { opensAt: iso(r.opensAt), closesAt: iso(r.closesAt), openNow: r.openNow };
}

describe('nextOpening', () => {
  it.each<[string, MaintenancePolicyInput, string, { opensAt: string; closesAt: string | null; openNow: boolean }]>([
    // plain weekly windows, winter (UTC+1) and summer (UTC+2)
    ['winter: Sat 02:00 Berlin is 01:00Z', { windows: ['Sat 02:00-06:00 Europe/Berlin'] }, '2026-01-01T12:00:00Z', { opensAt: '2026-01-03T01:00:00Z', closesAt: '2026-01-03T05:00:00Z', openNow: false }],
    ['summer: Sat 02:00 Berlin is 00:00Z', { windows: ['Sat 02:00-06:00 Europe/Berlin'] }, '2026-07-01T00:00:00Z', { opensAt: '2026-07-04T00:00:00Z', closesAt: '2026-07-04T04:00:00Z', openNow: false }],
    ['open now: opensAt is now', { windows: ['Sat 02:00-06:00 Europe/Berlin'] }, '2026-01-03T03:00:00Z', { opensAt: '2026-01-03T03:00:00Z', closesAt: '2026-01-03T05:00:00Z', openNow: true }],
    ['the end is exclusive: at 06:00 it is next week', { windows: ['Sat 02:00-06:00 Europe/Berlin'] }, '2026-01-03T05:00:00Z', { opensAt: '2026-01-10T01:00:00Z', closesAt: '2026-01-10T05:00:00Z', openNow: false }],
    ['a non-hour offset (India, UTC+5:30)', { windows: ['Mon 02:00-03:00 Asia/Kolkata'] }, '2026-01-04T00:00:00Z', { opensAt: '2026-01-04T20:30:00Z', closesAt: '2026-01-04T21:30:00Z', openNow: false }],
    ['object form, same as the string', { windows: [{ days: ['Sat'], start: '02:00', end: '06:00', timeZone: 'Europe/Berlin' }] }, '2026-01-01T12:00:00Z', { opensAt: '2026-01-03T01:00:00Z', closesAt: '2026-01-03T05:00:00Z', openNow: false }],

    // windows crossing midnight belong to the day they start on
    ['Fri 22:00-02:00 is still open early on Saturday', { windows: ['Fri 22:00-02:00 UTC'] }, '2026-01-03T01:00:00Z', { opensAt: '2026-01-03T01:00:00Z', closesAt: '2026-01-03T02:00:00Z', openNow: true }],
    ['...and not early on Friday', { windows: ['Fri 22:00-02:00 UTC'] }, '2026-01-02T01:00:00Z', { opensAt: '2026-01-02T22:00:00Z', closesAt: '2026-01-03T02:00:00Z', openNow: false }],
    ['adjacent windows are one opening', { windows: ['Sat 22:00-24:00 UTC', 'Sun 00:00-04:00 UTC'] }, '2026-01-03T12:00:00Z', { opensAt: '2026-01-03T22:00:00Z', closesAt: '2026-01-04T04:00:00Z', openNow: false }],

    // DST, spring forward: wall times 02:00-03:00 do not exist that night
    ['a window starting in the skipped hour opens when the clock jumps', { windows: ['Sun 02:30-04:00 Europe/Berlin'] }, '2026-03-28T12:00:00Z', { opensAt: '2026-03-29T01:00:00Z', closesAt: '2026-03-29T02:00:00Z', openNow: false }],
    ['a window wholly in the skipped hour does not happen that day', { windows: ['Sun 02:00-02:45 Europe/Berlin'] }, '2026-03-28T12:00:00Z', { opensAt: '2026-04-05T00:00:00Z', closesAt: '2026-04-05T00:45:00Z', openNow: false }],
    ['New York: 01:30-03:00 lasts 30 minutes on the spring-forward night', { windows: ['Sun 01:30-03:00 America/New_York'] }, '2026-03-07T12:00:00Z', { opensAt: '2026-03-08T06:30:00Z', closesAt: '2026-03-08T07:00:00Z', openNow: false }],

    // DST, fall back: wall times 02:00-03:00 happen twice
    ['02:00-06:00 lasts five hours on the fall-back night', { windows: ['Sun 02:00-06:00 Europe/Berlin'] }, '2026-10-24T12:00:00Z', { opensAt: '2026-10-25T00:00:00Z', closesAt: '2026-10-25T05:00:00Z', openNow: false }],
    ['a window in the repeated hour opens on the first pass...', { windows: ['Sun 02:00-02:30 Europe/Berlin'] }, '2026-10-24T12:00:00Z', { opensAt: '2026-10-25T00:00:00Z', closesAt: '2026-10-25T00:30:00Z', openNow: false }],
    ['...and again on the second', { windows: ['Sun 02:00-02:30 Europe/Berlin'] }, '2026-10-25T00:30:00Z', { opensAt: '2026-10-25T01:00:00Z', closesAt: '2026-10-25T01:30:00Z', openNow: false }],

    // exclusions: whole local days, inclusive, in their own zone
    ['the Saturday before an exclusion is still open', { windows: ['Sat 02:00-06:00 Europe/Berlin'], exclusions: [{ from: '2026-12-20', to: '2027-01-05', timeZone: 'Europe/Berlin' }] }, '2026-12-18T00:00:00Z', { opensAt: '2026-12-19T01:00:00Z', closesAt: '2026-12-19T05:00:00Z', openNow: false }],
    ['Saturdays inside it are skipped', { windows: ['Sat 02:00-06:00 Europe/Berlin'], exclusions: [{ from: '2026-12-20', to: '2027-01-05', timeZone: 'Europe/Berlin', reason: 'holidays' }] }, '2026-12-20T00:00:00Z', { opensAt: '2027-01-09T01:00:00Z', closesAt: '2027-01-09T05:00:00Z', openNow: false }],
    ['no windows means any time: open until the excluded day begins in its zone', { exclusions: [{ from: '2026-12-20', to: '2026-12-20', timeZone: 'Europe/Berlin' }] }, '2026-12-19T22:30:00Z', { opensAt: '2026-12-19T22:30:00Z', closesAt: '2026-12-19T23:00:00Z', openNow: true }],
    ['...and open again when it ends, with no closing in sight', { exclusions: [{ from: '2026-12-20', to: '2026-12-20', timeZone: 'Europe/Berlin' }] }, '2026-12-19T23:00:00Z', { opensAt: '2026-12-20T23:00:00Z', closesAt: null, openNow: false }],
    ['an exclusion cuts a window short', { windows: ['daily 20:00-04:00 UTC'], exclusions: [{ from: '2026-02-01', to: '2026-02-01' }] }, '2026-01-31T12:00:00Z', { opensAt: '2026-01-31T20:00:00Z', closesAt: '2026-02-01T00:00:00Z', openNow: false }],
  ])('%s', (_why, input, now, expected) => {
    expect(opening(input, now)).toEqual(expected);
  });

  it('gives up after the search horizon with a reason', () => {
    expect(opening({ windows: ['Sat 02:00-06:00 Europe/Berlin'], exclusions: [{ from: '2026-01-01', to: '2027-12-31', reason: 'freeze' }] }, '2026-01-01T00:00:00Z')).toEqual({
      opensAt: null,
      reason: 'no maintenance window opens within 400 days (windows Sat 02:00-06:00 Europe/Berlin; excluded 2026-01-01..2027-12-31 (freeze))',
    });
  });
});

describe('isOpen', () => {
  const p = policy({ windows: ['Sat 02:00-06:00 Europe/Berlin', 'Wed 23:00-01:00 America/New_York'], exclusions: [{ from: '2026-01-10', to: '2026-01-10', timeZone: 'Europe/Berlin' }] });
  it.each([
    ['2026-01-03T00:59:59Z', false, 'a second before the Berlin window'],
    ['2026-01-03T01:00:00Z', true, 'the Berlin window opens'],
    ['2026-01-03T04:59:59Z', true, 'its last second'],
    ['2026-01-03T05:00:00Z', false, 'closed at the end'],
    ['2026-01-10T02:00:00Z', false, 'the excluded Saturday'],
    ['2026-01-08T05:30:00Z', true, 'Thursday 00:30 New York belongs to the Wednesday window'],
    ['2026-01-08T06:00:00Z', false, 'Thursday 01:00 New York: closed'],
  ])('at %s is %s (%s)', (now, open) => {
    expect(isOpen(p, at(now))).toBe(open);
  });
});

describe('MaintenanceWindowSchema', () => {
  it.each([
    ['Sat 02:00-06:00 Europe/Berlin', { days: ['Sat'], start: '02:00', end: '06:00', timeZone: 'Europe/Berlin' }],
    ['sat,sun 22:00-02:00', { days: ['Sat', 'Sun'], start: '22:00', end: '02:00', timeZone: 'UTC' }],
    // ranges wrap around the week
    ['Fri-Mon 01:00-03:00 UTC', { days: ['Fri', 'Sat', 'Sun', 'Mon'], start: '01:00', end: '03:00', timeZone: 'UTC' }],
    ['weekdays 00:00-24:00 Asia/Tokyo', { days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'], start: '00:00', end: '24:00', timeZone: 'Asia/Tokyo' }],
  ])('reads %j', (text, window) => {
    expect(MaintenanceWindowSchema.parse(text)).toEqual(window);
    expect(describeWindow(MaintenanceWindowSchema.parse(text))).toBe(`${window.days.join(',')} ${window.start}-${window.end} ${window.timeZone}`);
  });

  it('lists every problem by path with exact messages', () => {
    const r = parseWith(
      MaintenancePolicySchema,
      {
        windows: [
          'Sat 25:00-06:00 Europe/Berlin',
          'Someday 02:00-03:00 UTC',
          'Sat 02:00-03:00 Mars/Base',
          'at night',
          { days: ['Sat'], start: '02:00', end: '02:00' },
          { days: [], start: '2:00', end: '24:01', timeZone: 'UTC' },
        ],
        exclusions: [{ from: '2026-02-30', to: '2026-03-01' }, { from: '2026-12-20', to: '2026-12-01' }],
      },
      'maintenance',
    );
    const expected = [
      { path: 'maintenance.windows[0]', message: 'start: must be a time of day "HH:MM" from 00:00 to 23:59' },
      { path: 'maintenance.windows[1]', message: 'day "Someday": must look like "Sat 02:00-06:00 Europe/Berlin" (days: Mon..Sun, lists "Sat,Sun", ranges "Mon-Fri", daily, weekdays, weekends)' },
      { path: 'maintenance.windows[2]', message: 'timeZone: must be an IANA time zone such as "Europe/Berlin" or "UTC"' },
      { path: 'maintenance.windows[3]', message: 'must look like "Sat 02:00-06:00 Europe/Berlin" (days: Mon..Sun, lists "Sat,Sun", ranges "Mon-Fri", daily, weekdays, weekends)' },
      { path: 'maintenance.windows[4].end', message: 'start and end must differ (use 00:00-24:00 for a whole day)' },
      { path: 'maintenance.windows[5].days', message: 'must name at least one day' },
      { path: 'maintenance.windows[5].start', message: 'must be a time of day "HH:MM" from 00:00 to 23:59' },
      { path: 'maintenance.windows[5].end', message: 'must be a time of day "HH:MM" from 00:00 to 24:00' },
      { path: 'maintenance.exclusions[0].from', message: 'must be a date "YYYY-MM-DD"' },
      { path: 'maintenance.exclusions[1].to', message: 'must not be before from' },
    ];
    expect(r.ok ? [] : r.problems).toEqual(expected);
  });
});

describe('whole-day windows', () => {
  it('00:00-24:00 on weekdays runs Monday to the end of Friday as one opening', () => {
    expect(opening({ windows: ['weekdays 00:00-24:00 Asia/Tokyo'] }, '2026-01-03T00:00:00Z')).toEqual({
      opensAt: '2026-01-04T15:00:00Z', // Mon 00:00 JST
      closesAt: '2026-01-09T15:00:00Z', // Sat 00:00 JST
      openNow: false,
    });
  });
});
