import type { CalendarSpec, ScheduleOptions } from '@temporalio/client';
import { operationMetadata } from '../domain/operation-metadata.js';
import { scheduledWorkflowId, type Calendar, type ScheduleFile } from '../domain/time/schedule-spec.js';

/** Memo key holding the schedule's file form, so `schedules describe` can show it back. */
export const SCHEDULE_MEMO = 'fleetflowSchedule';

/** The Temporal Schedule for a schedule file: spec, action (start the workflow on `taskQueue`), policies, state. */
export function scheduleOptions(s: ScheduleFile, taskQueue: string): ScheduleOptions {
  return {
    scheduleId: s.id,
    spec: {
      ...(s.cron ? { cronExpressions: s.cron } : {}),
      ...(s.calendar ? { calendars: s.calendar.map(calendarSpec) } : {}),
      timezone: s.timeZone,
      ...(s.jitter !== undefined ? { jitter: s.jitter } : {}),
    },
    action: {
      type: 'startWorkflow',
      workflowType: s.workflow,
      args: [s.input],
      taskQueue,
      workflowId: scheduledWorkflowId(s),
      ...operationMetadata(s.workflow, s.input, `${s.workflow} started by schedule ${s.id}`, [
        `Started by schedule [${s.id}](/namespaces/{namespace}/schedules/${encodeURIComponent(s.id)}) (${s.cron ? `cron ${s.cron.join(', ')}` : 'calendar'}, ${s.timeZone})${s.note ? `: ${s.note}` : ''}`,
      ]),
    },
    policies: { overlap: s.overlap, catchupWindow: s.catchupWindow },
    state: { paused: s.paused, ...(s.note ? { note: s.note } : {}) },
    memo: { [SCHEDULE_MEMO]: { workflow: s.workflow, timeZone: s.timeZone, ...(s.cron ? { cron: s.cron } : {}) } },
  };
}

function calendarSpec(c: Calendar): CalendarSpec {
  // The schema's shapes are Temporal's LooseRange forms with names already normalised.
  return Object.fromEntries(Object.entries(c).filter(([, v]) => v !== undefined)) as CalendarSpec;
}
