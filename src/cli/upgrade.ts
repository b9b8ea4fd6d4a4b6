import { WorkflowFailedError, WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { ClusterSummary } from '../domain/fleet-selector.js';
import { formatWave } from '../domain/rollout-preview.js';
import { planUpgradeWave } from '../domain/upgrade-plan.js';
import { UpgradeWaveInputSchema, type UpgradeWaveOptions, type WaveProgress } from '../domain/upgrade-wave.js';
import { readFleet } from '../temporal/fleet-inventory.js';
import { abortOperation, approveGate, getWaveProgress, pauseOperation, resumeOperation, retryFailed, skipCluster } from '../../workflows/stage-messages.js';
import { onePositional, outputFormat, parse } from './args.js';
import type { CliContext } from './context.js';
import { CommandError, UsageError } from './errors.js';
import { readInputFile } from './input-file.js';
import { rootCause } from './operation.js';
import { renderWave } from './wave-render.js';

const SUBCOMMANDS = 'start, status, watch, approve, pause, resume, abort, retry, skip';

/** `fleetflow upgrade ...`: start an upgrade wave (or dry-run its plan), follow it, and steer it. */
export async function upgradeCommand(ctx: CliContext, argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'start':
      return start(ctx, rest);
    case 'status':
      return status(ctx, rest);
    case 'watch':
      return watch(ctx, rest);
    case 'approve':
    case 'pause':
    case 'resume':
    case 'abort':
    case 'retry':
    case 'skip':
      return steer(ctx, sub, rest);
    default:
      throw new UsageError(`upgrade: unknown command "${sub ?? ''}" (${SUBCOMMANDS})`);
  }
}

async function start(ctx: CliContext, argv: string[]) {
  const { values } = parse('upgrade start', argv, {
    file: { type: 'string', short: 'f' },
    'dry-run': { type: 'boolean' },
    id: { type: 'string' },
    'no-wait': { type: 'boolean' },
  });
  const { raw, value } = await readInputFile('upgrade start', values.file, UpgradeWaveInputSchema, 'upgrade wave');
  const client = await ctx.temporal();
  if (values['dry-run']) {
    const wave = planUpgradeWave(value, await fleetFor(client, value));
    const lines = formatWave(wave);
    if (!wave.stages.some((s) => s.clusters.length)) lines.unshift('nothing to upgrade');
    ctx.out(lines.join('\n'));
    return;
  }
  const id = values.id ?? `upgrade-wave/${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}`;
  const input = { requestedBy: requester(), ...(raw as object) };
  try {
    await client.workflow.start('upgradeWave', { workflowId: id, taskQueue: ctx.config.taskQueue, args: [input], staticSummary: waveSummary(value) });
  } catch (e) {
    throw new CommandError(`upgrade start: ${e instanceof Error ? e.message : String(e)}`);
  }
  ctx.out(`upgradeWave ${id} started; follow it with: fleetflow upgrade watch ${id}`);
  if (!values['no-wait']) await follow(ctx, client, id);
}

/** "upgrade to 1.36 (dev -> staging -> prod)": the line the Temporal UI lists the wave by. */
export function waveSummary(w: UpgradeWaveOptions): string {
  const versions = [...new Set(w.targets.map((t) => t.version))].join(', ');
  return `upgrade wave to ${versions} (${w.sequence.map((s) => s.name).join(' -> ')})`;
}

async function fleetFor(client: Client, w: UpgradeWaveOptions): Promise<ClusterSummary[]> {
  const byName = new Map<string, ClusterSummary>();
  for (const t of w.targets) for (const c of await readFleet(client, t.selector)) byName.set(c.name, c);
  return [...byName.values()];
}

async function status(ctx: CliContext, argv: string[]) {
  const { values, positionals } = parse('upgrade status', argv, { output: { type: 'string', short: 'o' } });
  const format = outputFormat('upgrade status', values.output);
  const id = onePositional('upgrade status', positionals, 'wave ID');
  const p = await progressOf(await ctx.temporal(), id);
  ctx.out(format === 'json' ? JSON.stringify(p, null, 2) : renderWave(id, p, { now: Date.now(), clusterLimit: 50 }).join('\n'));
}

async function watch(ctx: CliContext, argv: string[]) {
  const { positionals } = parse('upgrade watch', argv, {});
  await follow(ctx, await ctx.temporal(), onePositional('upgrade watch', positionals, 'wave ID'));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Follows a wave until it ends: on a terminal the whole screen is redrawn when it changes; in
 * a pipe or a log one plain line is printed per change. A failed wave is exit code 1.
 */
async function follow(ctx: CliContext, client: Client, id: string, intervalMs = 1_000): Promise<void> {
  const tty = process.stdout.isTTY === true;
  const handle = client.workflow.getHandle(id);
  let last = '';
  for (;;) {
    const running = (await describe(client, id)).status.name === 'RUNNING';
    const p = await handle.query(getWaveProgress).catch(() => undefined);
    if (p) {
      const shown = tty ? `\x1b[H\x1b[2J${renderWave(id, p, { now: Date.now(), clusterLimit: (process.stdout.rows ?? 40) - 16 }).join('\n')}` : plainLine(p);
      if (shown !== last) ctx.out(shown);
      last = shown;
    }
    if (!running) break;
    await sleep(intervalMs);
  }
  try {
    const result = (await handle.result()) as { message?: string };
    ctx.out(`upgrade wave ${id}: ${result?.message ?? 'done'}`);
  } catch (e) {
    if (e instanceof WorkflowFailedError) throw new CommandError(`upgrade wave ${id} failed: ${rootCause(e)}`);
    throw e;
  }
}

/** One line per change for logs: time, state, summary and counts. */
export function plainLine(p: WaveProgress): string {
  const c = p.counts;
  const state = p.outcome === 'InProgress' ? (p.paused ? 'Paused' : 'Running') : p.outcome;
  return `${state}: ${p.summary} [${c.Succeeded}/${c.total} done, ${c.Failed} failed, ${c.Running} running, ${c.WaitingWindow} waiting, ${c.Pending} pending]`;
}

async function describe(client: Client, id: string) {
  try {
    return await client.workflow.getHandle(id).describe();
  } catch (e) {
    if (e instanceof WorkflowNotFoundError) throw new CommandError(`no upgrade wave ${id}`);
    throw e;
  }
}

async function progressOf(client: Client, id: string): Promise<WaveProgress> {
  await describe(client, id);
  return client.workflow.getHandle(id).query(getWaveProgress);
}

/** approve|pause|resume|abort|retry|skip: one update each, refused with the wave's own words. */
async function steer(ctx: CliContext, sub: 'approve' | 'pause' | 'resume' | 'abort' | 'retry' | 'skip', argv: string[]) {
  const command = `upgrade ${sub}`;
  const { values, positionals } = parse(command, argv, { reason: { type: 'string' } });
  const [id, ...more] = positionals;
  if (!id) throw new UsageError(`${command}: expected a wave ID`);
  const by = requester();
  const reason = values.reason ? { reason: values.reason } : {};
  const one = (what: string) => {
    if (more.length !== 1) throw new UsageError(`${command}: expected the wave ID and one ${what}`);
    return more[0]!;
  };
  const noMore = () => {
    if (more.length) throw new UsageError(`${command}: unexpected ${more.join(' ')}`);
  };
  const needReason = () => {
    if (!values.reason?.trim()) throw new UsageError(`${command}: --reason TEXT is required`);
  };
  const handle = client(await ctx.temporal(), id);
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
      await run(() => handle.executeUpdate(abortOperation, { args: [{ by, reason: values.reason! }] }));
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
  ctx.out(`upgrade wave ${id}: ${sub} accepted`);
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
