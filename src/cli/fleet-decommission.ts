import { WorkflowFailedError, WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { DECOMMISSION_GATE, type DecommissionProgress, type FleetDecommissionRequest } from '../domain/decommission/progress.js';
import { FleetDecommissionInputSchema, planFleetDecommission, type FleetDecommissionPlan } from '../domain/decommission/fleet-decommission.js';
import type { ClusterSummary } from '../domain/selection/fleet-selector.js';
import { parseSelector } from '../domain/selection/selector-syntax.js';
import { fleetSelectorFromTerms } from '../domain/selection/selector-from-terms.js';
import { describeProblems, parseWith } from '../domain/validation.js';
import { readFleet } from '../temporal/fleet-inventory.js';
import { abortOperation, approveGate, getDecommissionProgress } from '../temporal/messages/staged.js';
import { outputFormat, parse } from './args.js';
import type { CliContext } from './context.js';
import { CommandError, UsageError } from './errors.js';
import { rootCause } from './operation.js';
import { table } from './table.js';

const COMMAND = 'clusters decommission';

/** Flags that make `clusters decommission` act on a fleet (a selector or a running fleet decommission) rather than one cluster. */
export const FLEET_DECOMMISSION_FLAGS = ['--selector', '-l', '--approve', '--abort', '--status'];

/** True when `clusters decommission` was given a fleet flag. */
export function isFleetDecommission(argv: readonly string[]): boolean {
  return argv.some((a) => FLEET_DECOMMISSION_FLAGS.includes(a.split('=')[0]!));
}

/**
 * `clusters decommission --selector k=v,... --reason TEXT [--dry-run] [--wait] [--id ID]`
 * starts a fleetDecommission (or prints its plan, changing nothing); `--approve ID`,
 * `--abort ID` (both with `--reason`, and `--by`, default cli:$USER) steer one, and
 * `--status ID [--wait]` shows (or follows) one.
 */
export async function fleetDecommissionCommand(ctx: CliContext, argv: string[]): Promise<void> {
  const { values, positionals } = parse(COMMAND, argv, {
    selector: { type: 'string', short: 'l' },
    reason: { type: 'string' },
    'dry-run': { type: 'boolean' },
    wait: { type: 'boolean' },
    id: { type: 'string' },
    'approval-timeout': { type: 'string' },
    'max-concurrency': { type: 'string' },
    approve: { type: 'string' },
    abort: { type: 'string' },
    status: { type: 'string' },
    by: { type: 'string' },
    output: { type: 'string', short: 'o' },
  });
  if (positionals.length) throw new UsageError(`${COMMAND}: give a cluster NAME or --selector, not both`);
  const modes = (['selector', 'approve', 'abort', 'status'] as const).filter((m) => values[m] !== undefined);
  if (modes.length !== 1) throw new UsageError(`${COMMAND}: use one of --selector, --approve, --abort, --status`);
  const by = values.by?.trim() || requester();
  const needReason = (): string => {
    if (!values.reason?.trim()) throw new UsageError(`${COMMAND}: --reason TEXT is required`);
    return values.reason;
  };
  switch (modes[0]) {
    case 'selector':
      return start(ctx, values.selector!, needReason(), values);
    case 'approve':
      await steer(() => ctx.temporal().then((c) => c.workflow.getHandle(values.approve!).executeUpdate(approveGate, { args: [{ gate: DECOMMISSION_GATE, by, reason: needReason() }] })));
      ctx.out(`fleet decommission ${values.approve}: approved by ${by}`);
      if (values.wait) await follow(ctx, await ctx.temporal(), values.approve!);
      return;
    case 'abort':
      await steer(() => ctx.temporal().then((c) => c.workflow.getHandle(values.abort!).executeUpdate(abortOperation, { args: [{ by, reason: needReason() }] })));
      ctx.out(`fleet decommission ${values.abort}: aborted by ${by} (running decommissions finish)`);
      return;
    case 'status': {
      const format = outputFormat(COMMAND, values.output);
      const client = await ctx.temporal();
      if (values.wait) return follow(ctx, client, values.status!);
      const p = await progressOf(client, values.status!);
      ctx.out(format === 'json' ? JSON.stringify(p, null, 2) : renderDecommission(values.status!, p).join('\n'));
      return;
    }
  }
}

interface StartFlags {
  'dry-run'?: boolean;
  wait?: boolean;
  id?: string;
  'approval-timeout'?: string;
  'max-concurrency'?: string;
  output?: string;
}

async function start(ctx: CliContext, selectorText: string, reason: string, flags: StartFlags) {
  const terms = parseSelector(selectorText);
  if (!terms.ok) throw new UsageError(`${COMMAND}: --selector: ${terms.error}`);
  const selector = fleetSelectorFromTerms(terms.terms);
  if (!selector.ok) throw new UsageError(`${COMMAND}: --selector: ${selector.error}`);
  const request: FleetDecommissionRequest = {
    selector: selector.selector,
    reason,
    requestedBy: requester(),
    ...(flags['approval-timeout'] ? { approvalTimeout: flags['approval-timeout'] } : {}),
    ...(flags['max-concurrency'] ? { maxConcurrency: Number(flags['max-concurrency']) } : {}),
  };
  // The same schema the workflow parses: a bad flag is refused here with the same words.
  const parsed = parseWith(FleetDecommissionInputSchema, request, '');
  if (!parsed.ok) throw new UsageError(`${COMMAND}: ${describeProblems(parsed.problems)}`);
  const client = await ctx.temporal();
  if (flags['dry-run']) {
    const inventory = await readFleet(client, parsed.value.selector);
    const plan = planFleetDecommission(parsed.value, inventory);
    const format = outputFormat(COMMAND, flags.output);
    ctx.out(format === 'json' ? JSON.stringify(plan, null, 2) : renderPlan(selectorText, plan, inventory).join('\n'));
    return;
  }
  const id = flags.id ?? `fleet-decommission/${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}`;
  try {
    await client.workflow.start('fleetDecommission', {
      workflowId: id,
      taskQueue: ctx.config.taskQueue,
      args: [request],
      staticSummary: `decommission clusters ${selectorText}: ${reason.length > 80 ? `${reason.slice(0, 77)}...` : reason}`,
    });
  } catch (e) {
    throw new CommandError(`${COMMAND}: ${e instanceof Error ? e.message : String(e)}`);
  }
  ctx.out(`fleetDecommission ${id} started; follow it with: fleetflow clusters decommission --status ${id} --wait`);
  if (flags.wait) await follow(ctx, client, id);
}

/** The dry run: what would be decommissioned, refused, left out, and whether approval is needed. */
export function renderPlan(selectorText: string, plan: FleetDecommissionPlan, inventory: readonly ClusterSummary[]): string[] {
  const env = new Map(inventory.map((c) => [c.name, c.environment] as const));
  const lines = [`fleet decommission of ${selectorText} (dry run: nothing was changed)`];
  lines.push(plan.selected.length ? `would decommission ${plan.selected.length}: ${plan.selected.map((n) => `${n} (${env.get(n) ?? '?'})`).join(', ')}` : 'nothing to decommission');
  for (const r of plan.refused) lines.push(`refused: ${r.name}: ${r.message}`);
  for (const e of plan.excluded) lines.push(`left out: ${e.name}: ${e.reason}: ${e.message}`);
  lines.push(plan.approvalRequired ? `approval required (gate ${DECOMMISSION_GATE}): ${plan.approvalReasons.join('; ')}` : 'approval: not required (no production cluster selected)');
  return lines;
}

/** A fleet decommission as a screen: where it stands, one row per cluster, the gate and why, refused and left-out ones, who did what. */
export function renderDecommission(id: string, p: DecommissionProgress): string[] {
  const c = p.counts;
  const state = p.outcome === 'InProgress' ? (p.paused ? 'Paused' : 'Running') : p.outcome;
  const lines = [
    `fleet decommission ${id}: ${state}: ${p.summary}`,
    `reason: ${p.reason}${p.requestedBy ? ` (requested by ${p.requestedBy})` : ''}`,
    `clusters: ${c.Succeeded}/${c.total} decommissioned, ${c.Failed} failed, ${c.Running} running, ${c.Pending} waiting, ${c.Skipped} skipped`,
  ];
  if (p.clusters.length) {
    lines.push('', table(['cluster', 'env', 'status', 'tries', 'message'], p.clusters.map((x) => [x.name, x.environment, x.status, String(x.attempts), x.message ?? ''])));
  }
  if (p.gate) {
    lines.push('', `waiting for approval: ${p.approvalReasons.join('; ')}`, `  fleetflow clusters decommission --approve ${id} --reason TEXT${p.approvalDeadline ? `   (before ${p.approvalDeadline})` : ''}`);
  }
  if (p.waitingFor === 'operator') lines.push('', `a cluster failed; the decommission waits for you: fleetflow upgrade retry|skip ${id} ... or clusters decommission --abort ${id} --reason TEXT`);
  for (const r of p.refused) lines.push(`refused: ${r.name}: ${r.message}`);
  for (const e of p.excluded) lines.push(`left out: ${e.name}: ${e.reason}: ${e.message}`);
  if (p.audit.length) {
    lines.push('', 'operator actions:');
    for (const a of p.audit.slice(-10)) lines.push(`  ${a.at}  ${a.action}${a.detail ? ` ${a.detail}` : ''} by ${a.by}${a.reason ? `: ${a.reason}` : ''}`);
  }
  return lines;
}

/** One line per change, for a terminal or a log. */
export function progressLine(p: DecommissionProgress): string {
  const c = p.counts;
  const state = p.outcome === 'InProgress' ? (p.paused ? 'Paused' : 'Running') : p.outcome;
  return `${state}: ${p.summary} [${c.Succeeded}/${c.total} decommissioned, ${c.Failed} failed, ${c.Running} running, ${c.Pending} waiting]`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Prints each change until the workflow ends; a failed one is exit code 1. */
async function follow(ctx: CliContext, client: Client, id: string, intervalMs = 1_000): Promise<void> {
  const handle = client.workflow.getHandle(id);
  let last = '';
  let hinted = false;
  for (;;) {
    const running = (await describe(client, id)).status.name === 'RUNNING';
    const p = await handle.query(getDecommissionProgress).catch(() => undefined);
    if (p) {
      const line = progressLine(p);
      if (line !== last) ctx.out(line);
      last = line;
      if (p.gate && !hinted) {
        ctx.out(`  approve with: fleetflow clusters decommission --approve ${id} --reason TEXT`);
        hinted = true;
      }
    }
    if (!running) break;
    await sleep(intervalMs);
  }
  try {
    const result = (await handle.result()) as { message?: string; refused?: { name: string }[] };
    const refused = result?.refused?.length ? `; refused (protected): ${result.refused.map((r) => r.name).join(', ')}` : '';
    ctx.out(`fleet decommission ${id}: ${result?.message ?? 'done'}${refused}`);
  } catch (e) {
    if (e instanceof WorkflowFailedError) throw new CommandError(`fleet decommission ${id} failed: ${rootCause(e)}`);
    throw e;
  }
}

async function describe(client: Client, id: string) {
  try {
    return await client.workflow.getHandle(id).describe();
  } catch (e) {
    if (e instanceof WorkflowNotFoundError) throw new CommandError(`no fleet decommission ${id}`);
    throw e;
  }
}

async function progressOf(client: Client, id: string): Promise<DecommissionProgress> {
  await describe(client, id);
  return client.workflow.getHandle(id).query(getDecommissionProgress);
}

async function steer(fn: () => Promise<unknown>): Promise<void> {
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
