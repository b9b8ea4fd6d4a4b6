import { WorkflowFailedError, WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { QueryDefinition } from '@temporalio/common';
import type { z } from 'zod';
import { describeProblems, parseWith } from '../domain/validation.js';
import { abortOperation, abortRollout, approveGate, pauseOperation, resumeOperation, retryFailed, skipCluster } from '../temporal/messages/staged.js';
import { onePositional, outputFormat, printData, requester } from './args.js';
import { OUTPUT_FLAG, type Args, type CommandSpec, type FlagSpec } from './command-table.js';
import type { CliContext } from './context.js';
import { CommandError, UsageError } from './errors.js';
import { readInputFile } from './input-file.js';
import { readStagedProgress } from '../temporal/staged-progress.js';
import { rootCause } from './operation.js';
import { uiLinkLine } from './ui-link.js';
import { operationMetadata } from '../domain/operation-metadata.js';

/** What the CLI reads from any staged operation's progress query. */
export interface StagedProgress {
  outcome: string;
  paused: boolean;
  /** The gate awaiting approval now. */
  gate?: string;
}

/** What differs between the staged fleet operations the CLI drives (upgrade waves, rollouts, fleet decommissions). */
export interface StagedKind<S extends z.ZodType, P extends StagedProgress> {
  /** The CLI word, e.g. "upgrade". */
  command: string;
  aliases?: string[];
  /** The group's line in help. */
  about: string;
  /** In sentences, e.g. "upgrade wave". */
  noun: string;
  workflowType: string;
  idPrefix: string;
  schema: S;
  query: QueryDefinition<P>;
  /** The --dry-run answer, planned with the workflow's own code over the current inventory: text and data (-o). */
  dryRun(client: Client, value: z.output<S>, source: string): Promise<{ lines: string[]; data: unknown }>;
  /** The line the Temporal UI lists the workflow by. */
  summary(value: z.output<S>): string;
  /** The whole screen of `status` and of `watch` on a terminal; its hints name this command. */
  render(id: string, p: P, opts: { now: number; clusterLimit?: number }): string[];
  /** One line per change, for `watch` in a pipe or a log. */
  line(p: P): string;
  /** The last line once it has ended well; default: the result's message. */
  finished?(result: unknown): string;
  /** Abort may roll back (rollouts). */
  abortWithRollback?: boolean;
  /** The operation's only gate: `approve ID` needs no GATE. */
  onlyGate?: string;
  /** Flags of `start` that make the input instead of -f FILE; `read` returns undefined when none is given. */
  inputFlags?: { flags: FlagSpec[]; read(args: Args): { raw: unknown; source: string } | undefined };
}

type AnyKind = StagedKind<z.ZodType, StagedProgress>;
type Steer = 'approve' | 'pause' | 'resume' | 'abort' | 'retry' | 'skip';

const REASON: FlagSpec = { name: 'reason', type: 'string', value: 'TEXT', help: 'why (recorded in the audit log with who)' };
const BY: FlagSpec = { name: 'by', type: 'string', value: 'NAME', help: 'who to record (default cli:$USER)' };

/** The `fleetflow <command> ...` group of a staged operation: start (or dry-run), follow, steer. */
export function stagedCommand<S extends z.ZodType, P extends StagedProgress>(k: StagedKind<S, P>): CommandSpec {
  const kind = k as unknown as AnyKind;
  const steer = (name: Steer, args: string, summary: string, flags: FlagSpec[] = [REASON, BY]): CommandSpec => ({ name, args, summary, flags, run: (ctx, a) => steerOne(kind, ctx, name, a) });
  const fileHelp = kind.inputFlags ? `the ${kind.noun} as a YAML or JSON file (or the flags below)` : `the ${kind.noun} as a YAML or JSON file`;
  return {
    name: kind.command,
    ...(kind.aliases ? { aliases: kind.aliases } : {}),
    summary: kind.about,
    subcommands: [
      {
        name: 'start',
        args: kind.inputFlags ? '-f FILE | flags' : '-f FILE',
        summary: `start ${article(kind.noun)} ${kind.noun} (or print its plan with --dry-run), then watch it`,
        flags: [
          { name: 'file', short: 'f', type: 'string', value: 'FILE', help: fileHelp },
          ...(kind.inputFlags?.flags ?? []),
          { name: 'dry-run', type: 'boolean', help: 'print the plan from the current inventory and change nothing' },
          { ...OUTPUT_FLAG, help: 'of --dry-run: table (default), json or yaml' },
          { name: 'id', type: 'string', value: 'ID', help: `workflow id (default ${kind.idPrefix}/<time>)` },
          { name: 'no-wait', type: 'boolean', help: 'return once started instead of watching' },
        ],
        run: (ctx, a) => start(kind, ctx, a),
      },
      { name: 'status', args: 'ID', summary: 'where it stands: stages, clusters, the gate it waits at, who did what', flags: [OUTPUT_FLAG], run: (ctx, a) => status(kind, ctx, a) },
      { name: 'watch', args: 'ID', summary: 'follow it until it ends (redrawn in place on a terminal); exit 1 if it fails', run: (ctx, a) => watch(kind, ctx, a) },
      steer('approve', kind.onlyGate ? 'ID [GATE]' : 'ID GATE', kind.onlyGate ? `approve its gate (${kind.onlyGate})` : 'approve a gate, e.g. prod:before'),
      steer('pause', 'ID', 'start no more clusters; running ones finish'),
      steer('resume', 'ID', 'start clusters again after a pause'),
      steer('abort', 'ID', `stop for good (--reason required)${kind.abortWithRollback ? '; --rollback returns changed clusters to their revision before' : ''}`, [
        REASON,
        BY,
        ...(kind.abortWithRollback ? [{ name: 'rollback', type: 'boolean', help: 'roll back every cluster it changed' } as const] : []),
      ]),
      steer('retry', 'ID [CLUSTER...]', 'run the named (or all) failed clusters again'),
      steer('skip', 'ID CLUSTER', 'leave out a pending, waiting or failed cluster (--reason required)'),
    ],
  };
}

const article = (noun: string) => (/^[aeiou]/.test(noun) ? 'an' : 'a');

async function start(kind: AnyKind, ctx: CliContext, args: Args) {
  const fromFlags = kind.inputFlags?.read(args);
  if (fromFlags && args.string('file')) throw new UsageError(`${args.command}: give -f FILE or flags, not both`);
  let input: { raw: unknown; value: unknown; source: string };
  if (fromFlags) {
    const parsed = parseWith(kind.schema, fromFlags.raw, '');
    if (!parsed.ok) throw new UsageError(`${args.command}: ${describeProblems(parsed.problems)}`);
    input = { ...fromFlags, value: parsed.value };
  } else {
    const file = args.string('file');
    input = { ...(await readInputFile(args.command, file, kind.schema, kind.noun)), source: file! };
  }
  const format = outputFormat(args);
  const client = await ctx.temporal();
  if (args.flag('dry-run')) {
    const plan = await kind.dryRun(client, input.value, input.source);
    if (!printData(ctx, format, plan.data)) ctx.out(plan.lines.join('\n'));
    return;
  }
  const id = args.string('id') ?? `${kind.idPrefix}/${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}`;
  try {
    await client.workflow.start(kind.workflowType, {
      workflowId: id,
      taskQueue: ctx.config.taskQueue,
      args: [{ requestedBy: requester(), ...(input.raw as object) }],
      ...operationMetadata(kind.workflowType, { requestedBy: requester(), ...(input.raw as object) }, kind.summary(input.value)),
    });
  } catch (e) {
    // The cause gives the exit code of a typed refusal (PayloadTooLarge: the input is too large, 2).
    throw new CommandError(`${args.command}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  ctx.out(`${kind.workflowType} ${id} started; follow it with: fleetflow ${kind.command} watch ${id}`);
  ctx.out(uiLinkLine(ctx, id));
  if (!args.flag('no-wait')) await follow(kind, ctx, client, id);
}

async function watch(kind: AnyKind, ctx: CliContext, args: Args) {
  const id = onePositional(args, 'ID');
  const client = await ctx.temporal();
  await describe(kind, client, id);
  ctx.out(uiLinkLine(ctx, id));
  await follow(kind, ctx, client, id);
}

async function status(kind: AnyKind, ctx: CliContext, args: Args) {
  const format = outputFormat(args);
  const id = onePositional(args, 'ID');
  const p = await progressOf(kind, await ctx.temporal(), id);
  if (!printData(ctx, format, p)) ctx.out([...kind.render(id, p, { now: Date.now(), clusterLimit: 50 }), uiLinkLine(ctx, id)].join('\n'));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `fleetflow <command> approve ...`, with the gate filled in when the operation has only one. */
export function approveHint(kind: Pick<AnyKind, 'command' | 'onlyGate'>, id: string, gate: string): string {
  return `fleetflow ${kind.command} approve ${id}${kind.onlyGate === gate ? '' : ` ${gate}`} --reason TEXT`;
}

/**
 * Follows an operation until it ends: on a terminal its screen is redrawn in place when it
 * changes; in a pipe or a log one plain line is printed per change, and how to approve when it
 * reaches a gate. A failed operation is exit code 1.
 */
async function follow(kind: AnyKind, ctx: CliContext, client: Client, id: string, intervalMs = 1_000): Promise<void> {
  const tty = process.stdout.isTTY === true;
  const handle = client.workflow.getHandle(id);
  let last = '';
  let drawn = 0; // lines of the last screen, to redraw it in place (what scrolled by stays)
  const hinted = new Set<string>();
  for (;;) {
    const running = (await describe(kind, client, id)).status.name === 'RUNNING';
    const p = await handle.query(kind.query).catch(() => undefined);
    if (p) {
      const shown = tty ? kind.render(id, p, { now: Date.now(), clusterLimit: Math.max(5, (process.stdout.rows ?? 40) - 20) }).join('\n') : kind.line(p);
      if (shown !== last) {
        ctx.out(tty && drawn ? `\x1b[${drawn}F\x1b[0J${shown}` : shown);
        drawn = shown.split('\n').length;
      }
      last = shown;
      if (!tty && p.gate && !hinted.has(p.gate)) {
        ctx.out(`  approve with: ${approveHint(kind, id, p.gate)}`);
        hinted.add(p.gate);
      }
    }
    if (!running) break;
    await sleep(intervalMs);
  }
  try {
    const result = (await handle.result()) as { message?: string } | undefined;
    ctx.out(`${kind.noun} ${id}: ${kind.finished?.(result) ?? result?.message ?? 'done'}`);
  } catch (e) {
    if (e instanceof WorkflowFailedError) throw new CommandError(`${kind.noun} ${id} failed: ${rootCause(e)}`);
    throw e;
  }
}

async function describe(kind: AnyKind, client: Client, id: string) {
  try {
    return await client.workflow.getHandle(id).describe();
  } catch (e) {
    if (e instanceof WorkflowNotFoundError) throw new CommandError(`no ${kind.noun} ${id}`);
    throw e;
  }
}

async function progressOf(kind: AnyKind, client: Client, id: string): Promise<StagedProgress> {
  await describe(kind, client, id);
  return readStagedProgress(client.workflow.getHandle(id), kind.query);
}

/** approve|pause|resume|abort|retry|skip: one update each, refused with the operation's own words. */
async function steerOne(kind: AnyKind, ctx: CliContext, sub: Steer, args: Args) {
  const [id, ...more] = args.positionals;
  if (!id) throw new UsageError(`${args.command}: expected an ID`);
  const by = args.string('by')?.trim() || requester();
  const reasonText = args.string('reason');
  const reason = reasonText ? { reason: reasonText } : {};
  const one = (what: string) => {
    if (more.length !== 1) throw new UsageError(`${args.command}: expected the ID and one ${what}`);
    return more[0]!;
  };
  const noMore = () => {
    if (more.length) throw new UsageError(`${args.command}: unexpected ${more.join(' ')}`);
  };
  const needReason = (): string => {
    if (!reasonText?.trim()) throw new UsageError(`${args.command}: --reason TEXT is required`);
    return reasonText;
  };
  // Every mistake on the command line is refused before Temporal is asked anything.
  let update: (h: ReturnType<Client['workflow']['getHandle']>) => Promise<unknown>;
  switch (sub) {
    case 'approve': {
      const gate = more.length === 0 && kind.onlyGate ? kind.onlyGate : one('GATE such as prod:before');
      update = (h) => h.executeUpdate(approveGate, { args: [{ gate, by, ...reason }] });
      break;
    }
    case 'pause':
    case 'resume':
      noMore();
      update = (h) => h.executeUpdate(sub === 'pause' ? pauseOperation : resumeOperation, { args: [{ by, ...reason }] });
      break;
    case 'abort': {
      noMore();
      const why = needReason();
      update = kind.abortWithRollback
        ? (h) => h.executeUpdate(abortRollout, { args: [{ by, reason: why, rollback: args.flag('rollback') }] })
        : (h) => h.executeUpdate(abortOperation, { args: [{ by, reason: why }] });
      break;
    }
    case 'retry':
      update = (h) => h.executeUpdate(retryFailed, { args: [{ by, ...reason, ...(more.length ? { clusters: more } : {}) }] });
      break;
    case 'skip': {
      const cluster = one('CLUSTER');
      const why = needReason();
      update = (h) => h.executeUpdate(skipCluster, { args: [{ by, cluster, reason: why }] });
      break;
    }
  }
  const c = await ctx.temporal();
  const state = (await describe(kind, c, id)).status.name;
  if (state !== 'RUNNING') throw new CommandError(`${kind.noun} ${id} has ended (${state}): nothing to ${sub}`);
  try {
    await update(c.workflow.getHandle(id));
  } catch (e) {
    if (e instanceof WorkflowUpdateFailedError) throw new CommandError(e.cause?.message ?? e.message);
    if (e instanceof WorkflowNotFoundError) throw new CommandError(e.message);
    throw e;
  }
  ctx.out(`${kind.noun} ${id}: ${sub} accepted (by ${by})`);
}
