import { ScheduleAlreadyRunning, ScheduleNotFoundError, type Client, type ScheduleDescription } from '@temporalio/client';
import { OVERLAP_POLICIES, ScheduleFileSchema } from '../domain/time/schedule-spec.js';
import { SCHEDULE_MEMO, scheduleOptions } from '../temporal/schedules.js';
import { onePositional, outputFormat, parse } from './args.js';
import type { CliContext } from './context.js';
import { CommandError, UsageError } from './errors.js';
import { readInputFile } from './input-file.js';
import { table } from './table.js';

const SUBCOMMANDS = 'create, list, describe, pause, unpause, trigger, delete';

/** `fleetflow schedules ...` over Temporal Schedules that start upgradeWave or fleetRollout. */
export async function schedulesCommand(ctx: CliContext, argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'create':
      return create(ctx, rest);
    case 'list':
    case 'ls':
      return list(ctx, rest);
    case 'describe':
    case 'get':
      return describe(ctx, rest);
    case 'pause':
    case 'unpause':
      return pause(ctx, sub, rest);
    case 'trigger':
      return trigger(ctx, rest);
    case 'delete':
      return remove(ctx, rest);
    default:
      throw new UsageError(`schedules: unknown command "${sub ?? ''}" (${SUBCOMMANDS})`);
  }
}

async function create(ctx: CliContext, argv: string[]) {
  const { values } = parse('schedules create', argv, { file: { type: 'string', short: 'f' } });
  const { value } = await readInputFile('schedules create', values.file, ScheduleFileSchema, 'schedule');
  const client = await ctx.temporal();
  try {
    await client.schedule.create(scheduleOptions(value, ctx.config.taskQueue));
  } catch (e) {
    if (e instanceof ScheduleAlreadyRunning) throw new CommandError(`schedule ${value.id} already exists: delete it first, or edit it in the Temporal UI`);
    throw e;
  }
  const d = await client.schedule.getHandle(value.id).describe();
  ctx.out(`schedule ${value.id} created (${value.workflow}); next runs: ${nextRuns(d, 3) || '(paused)'}`);
}

async function list(ctx: CliContext, argv: string[]) {
  const { values } = parse('schedules list', argv, { output: { type: 'string', short: 'o' } });
  const format = outputFormat('schedules list', values.output);
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
  if (format === 'json') return ctx.out(JSON.stringify(rows, null, 2));
  if (!rows.length) return ctx.out('no schedules');
  ctx.out(table(['id', 'workflow', 'paused', 'next run', 'note'], rows.map((r) => [r.id, r.workflow, r.paused ? 'yes' : 'no', r.next, r.note])));
}

async function describe(ctx: CliContext, argv: string[]) {
  const { values, positionals } = parse('schedules describe', argv, { output: { type: 'string', short: 'o' } });
  const format = outputFormat('schedules describe', values.output);
  const id = onePositional('schedules describe', positionals, 'schedule ID');
  const d = await found(id, () => handle(ctx, id).then((h) => h.describe()));
  if (format === 'json') return ctx.out(JSON.stringify(d, null, 2));
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
  ];
  ctx.out(lines.join('\n'));
}

async function pause(ctx: CliContext, sub: 'pause' | 'unpause', argv: string[]) {
  const { values, positionals } = parse(`schedules ${sub}`, argv, { reason: { type: 'string' } });
  const id = onePositional(`schedules ${sub}`, positionals, 'schedule ID');
  const note = `${sub}d by cli:${process.env.USER ?? 'unknown'}${values.reason ? `: ${values.reason}` : ''}`;
  await found(id, () => handle(ctx, id).then((h) => (sub === 'pause' ? h.pause(note) : h.unpause(note))));
  ctx.out(`schedule ${id} ${sub}d`);
}

async function trigger(ctx: CliContext, argv: string[]) {
  const { values, positionals } = parse('schedules trigger', argv, { overlap: { type: 'string' } });
  const id = onePositional('schedules trigger', positionals, 'schedule ID');
  const overlap = values.overlap?.toUpperCase();
  if (overlap && !(OVERLAP_POLICIES as readonly string[]).includes(overlap)) throw new UsageError(`schedules trigger: --overlap must be one of ${OVERLAP_POLICIES.join(', ')}`);
  await found(id, () => handle(ctx, id).then((h) => h.trigger(overlap as (typeof OVERLAP_POLICIES)[number] | undefined)));
  ctx.out(`schedule ${id} triggered`);
}

async function remove(ctx: CliContext, argv: string[]) {
  const { positionals } = parse('schedules delete', argv, {});
  const id = onePositional('schedules delete', positionals, 'schedule ID');
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
