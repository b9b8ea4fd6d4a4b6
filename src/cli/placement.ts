import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { formatDecision } from '../domain/placement/format.js';
import { PlacedBundleInputSchema, PLACED_BUNDLE_TYPE, placementId, type PlacementStatus } from '../domain/placement/placed-bundle.js';
import { decidePlacement } from '../domain/placement/decide.js';
import { BundleSchema } from '../domain/bundle/bundle.js';
import { PlacementSchema } from '../domain/placement/spec.js';
import { describeProblems, parseWith } from '../domain/validation.js';
import { deletePlacement, getPlacementStatus, reevaluatePlacement, updatePlacedBundle } from '../temporal/messages/placement.js';
import { readPlacementFleet } from '../temporal/placement-fleet.js';
import { onePositional, outputFormat, printData, requester } from './args.js';
import { OUTPUT_FLAG, type Args, type CommandSpec } from './command-table.js';
import type { CliContext } from './context.js';
import { CommandError, UsageError } from './errors.js';
import { readDataFile, readInputFile } from './input-file.js';

const FILE = { name: 'file', short: 'f', type: 'string', value: 'FILE', help: 'a placement, or a placed bundle (its placement is used), YAML or JSON' } as const;

const REASON = { name: 'reason', type: 'string', value: 'TEXT', help: 'why (audited)' } as const;

/** `fleetflow placement ...`: preview a placement, keep a bundle placed, and see why each cluster was chosen. */
export const placementCommand: CommandSpec = {
  name: 'placement',
  aliases: ['placements'],
  summary: 'choose clusters by predicates, scores and count; keep a bundle placed as the fleet changes',
  subcommands: [
    { name: 'preview', args: '-f FILE', summary: 'the decision over the current fleet, every cluster with its reason (changes nothing)', flags: [FILE, OUTPUT_FLAG], run: preview },
    {
      name: 'start',
      args: '-f FILE',
      summary: 'keep a bundle on the clusters its placement chooses (workflow placement/<name>)',
      flags: [{ ...FILE, help: 'the placed bundle: name, placement, bundle (YAML or JSON)' }],
      run: start,
    },
    { name: 'status', args: 'ID', summary: 'where the bundle is, the current decision with reasons, the moves made', flags: [OUTPUT_FLAG], run: status },
    { name: 'reevaluate', args: 'ID', summary: 'read the fleet and decide again now; prints the status after the moves', flags: [OUTPUT_FLAG], run: reevaluate },
    {
      name: 'update',
      args: 'ID -f FILE',
      summary: "change the placed bundle's revision in place; rolled to the clusters that have it, maxConcurrentMoves at a time",
      flags: [{ ...FILE, help: 'the placed bundle (its bundle is used) or a bundle: same name, another revision' }, REASON],
      run: update,
    },
    { name: 'delete', args: 'ID', summary: 'remove the bundle from the clusters it was placed on, then end the placement', flags: [REASON], run: remove },
  ],
};

/** "shop" and "placement/shop" both name placement/shop. */
const idOf = (arg: string) => (arg.startsWith('placement/') ? arg : placementId(arg));

async function preview(ctx: CliContext, args: Args) {
  const file = args.string('file');
  const raw = await readDataFile(args.command, file);
  // A placed-bundle file holds its placement under "placement"; a bare placement is the file.
  const isPlaced = typeof raw === 'object' && raw !== null && 'placement' in raw;
  const parsed = parseWith(PlacementSchema, isPlaced ? (raw as { placement: unknown }).placement : raw, isPlaced ? 'placement' : '');
  if (!parsed.ok) throw new UsageError(`${file}: invalid placement: ${describeProblems(parsed.problems)}`);
  const format = outputFormat(args);
  const fleet = await readPlacementFleet(await ctx.temporal(), parsed.value.selector);
  const decision = decidePlacement(parsed.value, fleet, { now: Date.now() });
  if (!printData(ctx, format, decision)) ctx.out(formatDecision(decision).join('\n'));
}

async function start(ctx: CliContext, args: Args) {
  const file = args.string('file');
  const { raw, value } = await readInputFile(args.command, file, PlacedBundleInputSchema, 'placed bundle');
  const id = placementId(value.name);
  const client = await ctx.temporal();
  try {
    await client.workflow.start(PLACED_BUNDLE_TYPE, {
      workflowId: id,
      taskQueue: ctx.config.taskQueue,
      args: [{ requestedBy: requester(), ...(raw as object) }],
      staticSummary: `placement ${value.name}: ${value.bundle.name}@${value.bundle.revision}`,
    });
  } catch (e) {
    throw new CommandError(`${args.command}: ${e instanceof Error ? e.message : String(e)}`);
  }
  ctx.out(`placedBundle ${id} started; see it with: fleetflow placement status ${id}`);
}

async function status(ctx: CliContext, args: Args) {
  const format = outputFormat(args);
  const id = idOf(onePositional(args, 'ID'));
  const s = await ask(await ctx.temporal(), id, (h) => h.query(getPlacementStatus));
  if (!printData(ctx, format, s)) ctx.out(renderStatus(id, s).join('\n'));
}

async function reevaluate(ctx: CliContext, args: Args) {
  const format = outputFormat(args);
  const id = idOf(onePositional(args, 'ID'));
  const s = await ask(await ctx.temporal(), id, (h) => h.executeUpdate(reevaluatePlacement, { args: [{ by: requester() }] }));
  if (!printData(ctx, format, s)) ctx.out(renderStatus(id, s).join('\n'));
}

async function update(ctx: CliContext, args: Args) {
  const id = idOf(onePositional(args, 'ID'));
  const file = args.string('file');
  const raw = await readDataFile(args.command, file);
  // A placed-bundle file holds its bundle under "bundle"; a bare bundle is the file.
  const placed = typeof raw === 'object' && raw !== null && 'bundle' in raw ? (raw as { name?: unknown; bundle: unknown }) : undefined;
  if (placed?.name !== undefined && placementId(String(placed.name)) !== id) throw new UsageError(`${file}: name: ${String(placed.name)} is not the placement ${id}`);
  const parsed = parseWith(BundleSchema, placed ? placed.bundle : raw, placed ? 'bundle' : '');
  if (!parsed.ok) throw new UsageError(`${file}: invalid bundle: ${describeProblems(parsed.problems)}`);
  const reason = args.string('reason');
  const r = await ask(await ctx.temporal(), id, (h) => h.executeUpdate(updatePlacedBundle, { args: [{ bundle: parsed.value, by: requester(), ...(reason ? { reason } : {}) }] }));
  ctx.out(`${id}: updating ${parsed.value.name} ${r.from} -> ${r.to} on the clusters that have it; follow it with: fleetflow placement status ${id}`);
}

async function remove(ctx: CliContext, args: Args) {
  const id = idOf(onePositional(args, 'ID'));
  const reason = args.string('reason');
  const r = await ask(await ctx.temporal(), id, (h) => h.executeUpdate(deletePlacement, { args: [{ by: requester(), ...(reason ? { reason } : {}) }] }));
  ctx.out(`${id}: deleting: the bundle is removed from ${r.clusters.join(', ') || 'no cluster'}, then the placement ends`);
}

async function ask<T>(client: Client, id: string, fn: (h: ReturnType<Client['workflow']['getHandle']>) => Promise<T>): Promise<T> {
  try {
    return await fn(client.workflow.getHandle(id));
  } catch (e) {
    if (e instanceof WorkflowNotFoundError) throw new CommandError(`no placement ${id}`);
    if (e instanceof WorkflowUpdateFailedError) throw new CommandError(e.cause?.message ?? e.message);
    throw e;
  }
}

/** The status screen: where the bundle is, what holds a move back, the decision, the last moves. */
export function renderStatus(id: string, s: PlacementStatus, moves = 10): string[] {
  return [
    `${id}: ${s.bundle.name}@${s.bundle.revision} on ${s.placed.map((p) => p.cluster).join(', ') || 'no cluster'}`,
    `evaluated ${s.evaluations} times${s.lastEvaluatedAt ? `, last at ${s.lastEvaluatedAt}` : ''} (generation ${s.generation})`,
    ...(s.holding ? [`holding: ${s.holding}`] : []),
    ...(s.decision ? formatDecision(s.decision) : []),
    ...(s.moves.length ? ['moves (newest first):', ...s.moves.slice(0, moves).map((m) => `  ${m.at} ${m.action} ${m.cluster} ${m.outcome}: ${m.message}`)] : []),
  ];
}
