import { describe, expect, it } from 'vitest';
import { ScheduleFileSchema } from '../../src/domain/time/schedule-spec.js';
import { UpgradeWaveInputSchema } from '../../src/domain/upgrade/wave.js';
import { describeProblems, parseWith } from '../../src/domain/validation.js';
import { scheduleOptions } from '../../src/temporal/schedules.js';

const wave = { targets: [{ selector: { environments: ['dev'] }, version: '1.36' }] };
const problems = (input: unknown) => {
  const r = parseWith(ScheduleFileSchema, input, '');
  return r.ok ? 'ok' : describeProblems(r.problems);
};

describe('schedule files', () => {
  it('becomes a Temporal Schedule: calendar names normalised, SKIP and a 1h catch-up by default', () => {
    const file = ScheduleFileSchema.parse({ id: 'weekly-dev', calendar: { dayOfWeek: 'sat', hour: 2, month: [1, { start: 'mar', end: 12, step: 3 }] }, timeZone: 'Europe/Berlin', jitter: '10m', workflow: 'upgradeWave', input: wave });
    expect(scheduleOptions(file, 'fleetflow')).toEqual({
      scheduleId: 'weekly-dev',
      spec: { calendars: [{ dayOfWeek: 'SATURDAY', hour: 2, month: ['JANUARY', { start: 'MARCH', end: 'DECEMBER', step: 3 }] }], timezone: 'Europe/Berlin', jitter: 600_000 },
      action: { type: 'startWorkflow', workflowType: 'upgradeWave', args: [wave], taskQueue: 'fleetflow', workflowId: 'upgrade-wave/weekly-dev', staticSummary: 'upgradeWave started by schedule weekly-dev', staticDetails: expect.stringContaining('Started by schedule [weekly-dev](/namespaces/{namespace}/schedules/weekly-dev) (calendar, Europe/Berlin)') },
      policies: { overlap: 'SKIP', catchupWindow: 3_600_000 },
      state: { paused: false },
      memo: { fleetflowSchedule: { workflow: 'upgradeWave', timeZone: 'Europe/Berlin' } },
    });
  });

  it('takes cron expressions as written, one or a list', () => {
    const file = ScheduleFileSchema.parse({ id: 'r', cron: '0 2 * * SAT', overlap: 'BUFFER_ONE', workflow: 'fleetRollout', input: {} });
    expect(scheduleOptions(file, 'q')).toMatchObject({ spec: { cronExpressions: ['0 2 * * SAT'], timezone: 'UTC' }, policies: { overlap: 'BUFFER_ONE' }, action: { workflowId: 'rollout/r' } });
  });

  // every problem listed by path, the wave's input checked with the wave's own schema
  it.each([
    [{ id: 'x', workflow: 'upgradeWave', input: wave }, '(input): must have either cron or calendar, not both or neither'],
    [{ id: 'x', cron: 'CRON_TZ=UTC 0 2 * * *', workflow: 'upgradeWave', input: wave }, 'cron: must not name a time zone: use timeZone'],
    [{ id: 'x', cron: ['@weekly', '0 2 * *'], workflow: 'upgradeWave', input: wave }, 'cron[1]: must be five cron fields ("0 2 * * SAT") or @daily, @weekly...'],
    [{ id: 'x', cron: '@weekly', timeZone: 'Mars/Olympus', overlap: 'SOMETIMES', workflow: 'upgradeWave', input: wave }, 'timeZone: must be an IANA time zone such as "Europe/Berlin" or "UTC"; overlap: must be one of: SKIP, BUFFER_ONE, BUFFER_ALL, CANCEL_OTHER, TERMINATE_OTHER, ALLOW_ALL'],
    [{ id: 'x', calendar: { dayOfWeek: 'someday', hour: 25 }, workflow: 'upgradeWave', input: wave }, 'calendar.hour: must be at most 23; calendar.dayOfWeek: must be a day of the week such as sun or SUNDAY'],
    [{ id: 'x', cron: '@daily', jitter: '2d', workflow: 'upgradeWave', input: { targets: [{ selector: {}, version: 'latest' }], soak: 'soon' } }, 'jitter: must be at most 1d; input.targets[0].version: must be a Kubernetes version such as "1.35" or "1.35.4"; input.soak: must be a duration such as "30s", "10m", "2h", "1d" or "1h30m"'],
  ])('refuses %j', (input, want) => {
    expect(problems(input)).toBe(want);
  });
});

describe('upgrade wave input', () => {
  it('keeps the plan strict and adds the wave settings with defaults', () => {
    expect(UpgradeWaveInputSchema.parse(wave)).toMatchObject({ soak: 3_600_000, approvalTimeout: 7 * 86_400_000, skipApiScan: false, maxHistoryEvents: 5_000 });
    const r = parseWith(UpgradeWaveInputSchema, { ...wave, soakTime: '1h' }, '');
    expect(r.ok ? 'ok' : describeProblems(r.problems)).toBe('(input): Unrecognized key: "soakTime"');
  });
});
