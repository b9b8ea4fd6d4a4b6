import { WorkflowFailedError, WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { QueryDefinition } from '@temporalio/common';
import type { z } from 'zod';
import type { WaveProgress } from '../domain/upgrade/wave.js';
import { abortOperation, abortRollout, approveGate, pauseOperation, resumeOperation, retryFailed, skipCluster } from '../temporal/messages/staged.js';
import { onePositional, outputFormat, parse } from './args.js';
import type { CliContext } from './context.js';
import { CommandError, UsageError } from './errors.js';
import { readInputFile } from './input-file.js';
import { rootCause } from './operation.js';
import { renderWave } from './wave-render.js';

const SUBCOMMANDS = 'start, status, watch, approve, pause, resume, abort, retry, skip';

/** What differs between the staged fleet operations the CLI drives (upgrade waves, rollouts). */
export interface StagedKind<S extends z.ZodType> {
  /** The CLI word, e.g. "upgrade". */
  command: string;
  /** In sentences, e.g. "upgrade wave". */
  noun: string;
  workflowType: string;
  idPrefix: string;
  schema: S;
  query: QueryDefinition<WaveProgress>;
  /** The --dry-run answer, planned with the workflow's own code over the current inventory. */
  dryRun(client: Client, value: z.output<S>): Promise<string[]>;
  /** The line the Temporal UI lists the workflow by. */
  summary(value: z.output<S>): string;
  /** Abort may roll back (rollouts). */
  abortWithRollback?: boolean;
}

/** The `fleetflow <command> ...` handler for a staged operation: start (or dry-run), follow, steer. */
export function stagedCommand<S extends z.ZodType>(kind: StagedKind<S>) {
  return async (ctx: CliContext, argv: string[]): Promise<void> => {
    const [sub, ...rest] = argv;
    switch (sub) {
      case 'start':
        return start(kind, ctx, rest);
      case 'status':
        return status(kind, ctx, rest);
      case 'watch':
        return watch(kind, ctx, rest);
      case 'approve':
      case 'pause':
      case 'resume':
      case 'abort':
      case 'retry':
      case 'skip':
        return steer(kind, ctx, sub, rest);
      default:
        throw new UsageError(`${kind.command}: unknown command "${sub ?? ''}" (${SUBCOMMANDS})`);
    }
  };
}

type AnyKind = StagedKind<z.ZodType>;

async function start<S extends z.ZodType>(kind: StagedKind<S>, ctx: CliContext, argv: string[]) {
  const { values } = parse(`${kind.command} start`, argv, {
    file: { type: 'string', short: 'f' },
    'dry-run': { type: 'boolean' },
    id: { type: 'string' },
    'no-wait': { type: 'boolean' },
  });
  const { raw, value } = await readInputFile(`${kind.command} start`, values.file, kind.schema, kind.noun);
  const client = await ctx.temporal();
  if (values['dry-run']) {
    ctx.out((await kind.dryRun(client, value)).join('\n'));
    return;
  }
  const id = values.id ?? `${kind.idPrefix}/${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}`;
  const input = { requestedBy: requester(), ...(raw as object) };
  try {
    await client.workflow.start(kind.workflowType, { workflowId: id, taskQueue: ctx.config.taskQueue, args: [input], staticSummary: kind.summary(value) });
  } catch (e) {
    throw new CommandError(`${kind.command} start: ${e instanceof Error ? e.message : String(e)}`);
  }
  ctx.out(`${kind.workflowType} ${id} started; follow it with: fleetflow ${kind.command} watch ${id}`);
  if (!values['no-wait']) await follow(kind as unknown as AnyKind, ctx, client, id);
}

async function status(kind: AnyKind, ctx: CliContext, argv: string[]) {
  const { values, positionals } = parse(`${kind.command} status`, argv, { output: { type: 'string', short: 'o' } });
  const format = outputFormat(`${kind.command} status`, values.output);
  const id = onePositional(`${kind.command} status`, positionals, 'ID');
  const p = await progressOf(kind, await ctx.temporal(), id);
  ctx.out(format === 'json' ? JSON.stringify(p, null, 2) : renderWave(id, p, { now: Date.now(), clusterLimit: 50, noun: kind.noun }).join('\n'));
}

async function watch(kind: AnyKind, ctx: CliContext, argv: string[]) {
  const { positionals } = parse(`${kind.command} watch`, argv, {});
  await follow(kind, ctx, await ctx.temporal(), onePositional(`${kind.command} watch`, positionals, 'ID'));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Follows a wave until it ends: on a terminal its screen is redrawn in place when it changes; in
 * a pipe or a log one plain line is printed per change. A failed wave is exit code 1.
 */
async function follow(kind: AnyKind, ctx: CliContext, client: Client, id: string, intervalMs = 1_000): Promise<void> {
  const tty = process.stdout.isTTY === true;
  const handle = client.workflow.getHandle(id);
  let last = '';
  let drawn = 0; // lines of the last screen, to redraw it in place (what scrolled by stays)
  for (;;) {
    const running = (await describe(kind, client, id)).status.name === 'RUNNING';
    const p = await handle.query(kind.query).catch(() => undefined);
    if (p) {
      const shown = tty ? renderWave(id, p, { now: Date.now(), clusterLimit: Math.max(5, (process.stdout.rows ?? 40) - 20), noun: kind.noun }).join('\n') : plainLine(p);
      if (shown !== last) {
        ctx.out(tty && drawn ? `\x1b[${drawn}F\x1b[0J${shown}` : shown);
        drawn = shown.split('\n').length;
      }
      last = shown;
    }
    if (!running) break;
    await sleep(intervalMs);
  }
  try {
    const result = (await handle.result()) as { message?: string };
    ctx.out(`${kind.noun} ${id}: ${result?.message ?? 'done'}`);
  } catch (e) {
    if (e instanceof WorkflowFailedError) throw new CommandError(`${kind.noun} ${id} failed: ${rootCause(e)}`);
    throw e;
  }
}

/** One line per change for logs: time, state, summary and counts. */
export function plainLine(p: WaveProgress): string {
  const c = p.counts;
  const state = p.outcome === 'InProgress' ? (p.paused ? 'Paused' : 'Running') : p.outcome;
  return `${state}: ${p.summary} [${c.Succeeded}/${c.total} done, ${c.Failed} failed, ${c.Running} running, ${c.WaitingWindow + c.WaitingBusy} waiting, ${c.Pending} pending]`;
}

async function describe(kind: AnyKind, client: Client, id: string) {
  try {
    return await client.workflow.getHandle(id).describe();
  } catch (e) {
    if (e instanceof WorkflowNotFoundError) throw new CommandError(`no ${kind.noun} ${id}`);
    throw e;
  }
}

async function progressOf(kind: AnyKind, client: Client, id: string): Promise<WaveProgress> {
  await describe(kind, client, id);
  return client.workflow.getHandle(id).query(kind.query);
}

/** approve|pause|resume|abort|retry|skip: one update each, refused with the wave's own words. */
async function steer(kind: AnyKind, ctx: CliContext, sub: 'approve' | 'pause' | 'resume' | 'abort' | 'retry' | 'skip', argv: string[]) {
  const command = `${kind.command} ${sub}`;
  const { values, positionals } = parse(command, argv, { reason: { type: 'string' }, ...(kind.abortWithRollback ? { rollback: { type: 'boolean' } } : {}) });
  const [id, ...more] = positionals;
  if (!id) throw new UsageError(`${command}: expected an ID`);
  const by = requester();
  const reason = values.reason ? { reason: values.reason } : {};
  const one = (what: string) => {
    if (more.length !== 1) throw new UsageError(`${command}: expected the ID and one ${what}`);
    return more[0]!;
  };
  const noMore = () => {
    if (more.length) throw new UsageError(`${command}: unexpected ${more.join(' ')}`);
  };
  const needReason = () => {
    if (!values.reason?.trim()) throw new UsageError(`${command}: --reason TEXT is required`);
  };
  const c = await ctx.temporal();
  const state = (await describe(kind, c, id)).status.name;
  if (state !== 'RUNNING') throw new CommandError(`${kind.noun} ${id} has ended (${state}): nothing to ${sub}`);
  const handle = client(c, id);
  switch (sub) {
    case 'approve':
      await run(() => handle.executeUpdate(approveGate, { args: [{ gate: one('GATE such as prod:before'), by, ...reason }] }));
      break;
    case 'pause':
      noMore();
      await run(() => handle.executeUpdate(pauseOperation, { args: [{ by, ...reason }] }));
      break;
    case 'resume':
      noMore();
      await run(() => handle.executeUpdate(resumeOperation, { args: [{ by, ...reason }] }));
      break;
    case 'abort':
      noMore();
      needReason();
      if (kind.abortWithRollback) await run(() => handle.executeUpdate(abortRollout, { args: [{ by, reason: values.reason!, rollback: values.rollback === true }] }));
      else await run(() => handle.executeUpdate(abortOperation, { args: [{ by, reason: values.reason! }] }));
      break;
    case 'retry':
      await run(() => handle.executeUpdate(retryFailed, { args: [{ by, ...reason, ...(more.length ? { clusters: more } : {}) }] }));
      break;
    case 'skip': {
      const cluster = one('CLUSTER');
      needReason();
      await run(() => handle.executeUpdate(skipCluster, { args: [{ by, cluster, reason: values.reason! }] }));
      break;
    }
  }
  ctx.out(`${kind.noun} ${id}: ${sub} accepted`);
}

function client(c: Client, id: string) {
  return c.workflow.getHandle(id);
}

async function run(fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof WorkflowUpdateFailedError) throw new CommandError(e.cause?.message ?? e.message);
    if (e instanceof WorkflowNotFoundError) throw new CommandError(e.message);
    throw e;
  }
}

function requester(): string {
  return `cli:${process.env.USER ?? process.env.LOGNAME ?? 'unknown'}`;
}
