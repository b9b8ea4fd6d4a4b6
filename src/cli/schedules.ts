import { ScheduleAlreadyRunning, ScheduleNotFoundError, type Client, type ScheduleDescription } from '@temporalio/client';
import { OVERLAP_POLICIES, ScheduleFileSchema } from '../domain/time/schedule-spec.js';
import { SCHEDULE_MEMO, scheduleOptions } from '../temporal/schedules.js';
import { onePositional, outputFormat, printData, requester } from './args.js';
import { OUTPUT_FLAG, type Args, type CommandSpec, type FlagSpec } from './command-table.js';
import type { CliContext } from './context.js';
import { CommandError, UsageError } from './errors.js';
import { readInputFile } from './input-file.js';
import { table } from './table.js';
import { scheduleLinkLine, uiLinkLine } from './ui-link.js';

const REASON: FlagSpec = { name: 'reason', type: 'string', value: 'TEXT', help: 'why (kept in the schedule\'s note)' };

/** `fleetflow schedules ...` over Temporal Schedules that start upgradeWave or fleetRollout. */
export const schedulesCommand: CommandSpec = {
  name: 'schedules',
  aliases: ['schedule'],
  summary: 'Temporal Schedules that start upgrade waves or rollouts (cron or calendar, in a time zone)',
  subcommands: [
    { name: 'create', args: '-f FILE', summary: 'create a schedule from a file, validated with the workflow\'s own schema', flags: [{ name: 'file', short: 'f', type: 'string', value: 'FILE', help: 'the schedule, YAML or JSON' }], run: create },
    { name: 'list', aliases: ['ls'], summary: 'every schedule: workflow, paused, next run, note', flags: [OUTPUT_FLAG], run: list },
    { name: 'describe', aliases: ['get'], args: 'ID', summary: 'one schedule: when, policies, next and recent runs, input', flags: [OUTPUT_FLAG], run: describe },
    { name: 'pause', args: 'ID', summary: 'start no more runs (running ones go on)', flags: [REASON], run: (ctx, a) => pause(ctx, 'pause', a) },
    { name: 'unpause', args: 'ID', summary: 'start runs again', flags: [REASON], run: (ctx, a) => pause(ctx, 'unpause', a) },
    { name: 'trigger', args: 'ID', summary: 'start a run now', flags: [{ name: 'overlap', type: 'string', value: 'POLICY', choices: OVERLAP_POLICIES, help: `overlap policy of this run: ${OVERLAP_POLICIES.join(', ')}` }], run: trigger },
    { name: 'delete', args: 'ID', summary: 'delete the schedule (waves it started keep running)', run: remove },
  ],
};

async function create(ctx: CliContext, args: Args) {
  const { value } = await readInputFile(args.command, args.string('file'), ScheduleFileSchema, 'schedule');
  const client = await ctx.temporal();
  try {
    await client.schedule.create(scheduleOptions(value, ctx.config.taskQueue));
  } catch (e) {
    if (e instanceof ScheduleAlreadyRunning) throw new CommandError(`schedule ${value.id} already exists: delete it first, or edit it in the Temporal UI`);
    throw e;
  }
  const d = await client.schedule.getHandle(value.id).describe();
  ctx.out(`schedule ${value.id} created (${value.workflow}); next runs: ${nextRuns(d, 3) || '(paused)'}`);
  ctx.out(scheduleLinkLine(ctx, value.id));
}

async function list(ctx: CliContext, args: Args) {
  const format = outputFormat(args);
  const client = await ctx.temporal();
  const rows: { id: string; workflow: string; paused: boolean; next: string; note: string }[] = [];
  for await (const s of client.schedule.list()) {
    rows.push({
      id: s.scheduleId,
      workflow: s.action?.workflowType ?? '',
      paused: s.state.paused,
      next: s.info.nextActionTimes[0]?.toISOString() ?? '',
      note: s.state.note ?? '',
    });
  }
  rows.sort((a, b) => a.id.localeCompare(b.id));
  if (printData(ctx, format, rows)) return;
  if (!rows.length) return ctx.out('no schedules');
  ctx.out(table(['id', 'workflow', 'paused', 'next run', 'note'], rows.map((r) => [r.id, r.workflow, r.paused ? 'yes' : 'no', r.next, r.note])));
}

async function describe(ctx: CliContext, args: Args) {
  const format = outputFormat(args);
  const id = onePositional(args, 'schedule ID');
  const d = await found(id, () => handle(ctx, id).then((h) => h.describe()));
  if (printData(ctx, format, d)) return;
  const spec = d.spec;
  const lines = [
    `id:          ${d.scheduleId}`,
    `workflow:    ${d.action.workflowType} on task queue ${d.action.taskQueue} (ids ${d.action.workflowId}-<time>)`,
    `when:        ${whenOf(d)}`,
    `time zone:   ${spec.timezone ?? 'UTC'}${spec.jitter ? `, jitter ${spec.jitter / 1000} s` : ''}`,
    `policies:    overlap ${d.policies.overlap}, catch-up window ${Math.round(d.policies.catchupWindow / 1000)} s`,
    `state:       ${d.state.paused ? 'paused' : 'active'}${d.state.note ? ` (${d.state.note})` : ''}`,
    `next runs:   ${nextRuns(d, 5) || '-'}`,
    `recent runs: ${d.info.recentActions.map((a) => `${a.takenAt.toISOString()} ${a.action.workflow.workflowId}`).join(', ') || '-'}`,
    `input:       ${JSON.stringify(d.action.args?.[0] ?? null)}`,
    scheduleLinkLine(ctx, d.scheduleId),
    ...d.info.recentActions.slice(-1).map((a) => `last run ${uiLinkLine(ctx, a.action.workflow.workflowId, a.action.workflow.firstExecutionRunId)}`),
  ];
  ctx.out(lines.join('\n'));
}

async function pause(ctx: CliContext, sub: 'pause' | 'unpause', args: Args) {
  const id = onePositional(args, 'schedule ID');
  const reason = args.string('reason');
  const note = `${sub}d by ${requester()}${reason ? `: ${reason}` : ''}`;
  await found(id, () => handle(ctx, id).then((h) => (sub === 'pause' ? h.pause(note) : h.unpause(note))));
  ctx.out(`schedule ${id} ${sub}d`);
}

async function trigger(ctx: CliContext, args: Args) {
  const id = onePositional(args, 'schedule ID');
  const overlap = args.string('overlap')?.toUpperCase();
  if (overlap && !(OVERLAP_POLICIES as readonly string[]).includes(overlap)) throw new UsageError(`${args.command}: --overlap must be one of ${OVERLAP_POLICIES.join(', ')}`);
  await found(id, () => handle(ctx, id).then((h) => h.trigger(overlap as (typeof OVERLAP_POLICIES)[number] | undefined)));
  ctx.out(`schedule ${id} triggered; its runs: ${scheduleLinkLine(ctx, id).replace('ui: ', '')}`);
}

async function remove(ctx: CliContext, args: Args) {
  const id = onePositional(args, 'schedule ID');
  await found(id, () => handle(ctx, id).then((h) => h.delete()));
  ctx.out(`schedule ${id} deleted (waves it started keep running)`);
}

async function handle(ctx: CliContext, id: string) {
  const client: Client = await ctx.temporal();
  return client.schedule.getHandle(id);
}

async function found<T>(id: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof ScheduleNotFoundError) throw new CommandError(`no schedule ${id}`);
    throw e;
  }
}

function nextRuns(d: ScheduleDescription, n: number): string {
  return d.info.nextActionTimes.slice(0, n).map((t) => t.toISOString()).join(', ');
}

/** The cron expressions as written (kept in the memo: the server turns cron into calendars), else the calendars. */
function whenOf(d: ScheduleDescription): string {
  const memo = d.memo?.[SCHEDULE_MEMO] as { cron?: string[] } | undefined;
  if (memo?.cron?.length) return memo.cron.map((c) => `cron "${c}"`).join('; ');
  return (d.spec.calendars ?? []).map((c) => `calendar ${JSON.stringify(c)}`).join('; ') || '-';
}
