import { DECOMMISSION_GATE, type DecommissionProgress } from '../domain/decommission/progress.js';
import { FleetDecommissionInputSchema, planFleetDecommission, type FleetDecommissionPlan } from '../domain/decommission/fleet-decommission.js';
import type { ClusterSummary } from '../domain/selection/fleet-selector.js';
import { parseSelector } from '../domain/selection/selector-syntax.js';
import { fleetSelectorFromTerms } from '../domain/selection/selector-from-terms.js';
import { readFleet } from '../temporal/fleet-inventory.js';
import { getDecommissionProgress } from '../temporal/messages/staged.js';
import { UsageError } from './errors.js';
import type { Args, FlagSpec } from './command-table.js';
import { approveHint, stagedCommand } from './staged-command.js';
import { table } from './table.js';

const HINTS = { command: 'decommission', onlyGate: DECOMMISSION_GATE };

/** Flags of `decommission start` that make the request instead of a file. */
const INPUT_FLAGS: FlagSpec[] = [
  { name: 'selector', short: 'l', type: 'string', value: 'k=v,...', help: 'the clusters to retire, e.g. team=web,env=dev (as in clusters list)' },
  { name: 'reason', type: 'string', value: 'TEXT', help: 'why they are retired (required with --selector)' },
  { name: 'approval-timeout', type: 'string', value: 'DURATION', help: 'how long the approval gate waits (default 24h)' },
  { name: 'max-concurrency', type: 'string', value: 'N', help: 'clusters decommissioned at once (default 5)' },
];

/** The fleetDecommission request the flags describe; undefined when no --selector is given (then -f FILE). */
function requestFromFlags(args: Args): { raw: unknown; source: string } | undefined {
  const selectorText = args.string('selector');
  if (selectorText === undefined) {
    if (['reason', 'approval-timeout', 'max-concurrency'].some((f) => args.string(f) !== undefined) && !args.string('file')) {
      throw new UsageError(`${args.command}: --reason, --approval-timeout and --max-concurrency go with --selector`);
    }
    return undefined;
  }
  const terms = parseSelector(selectorText);
  if (!terms.ok) throw new UsageError(`${args.command}: --selector: ${terms.error}`);
  const selector = fleetSelectorFromTerms(terms.terms);
  if (!selector.ok) throw new UsageError(`${args.command}: --selector: ${selector.error}`);
  const reason = args.string('reason');
  if (!reason?.trim()) throw new UsageError(`${args.command}: --reason TEXT is required`);
  const timeout = args.string('approval-timeout');
  const concurrency = args.string('max-concurrency');
  return {
    source: selectorText,
    raw: { selector: selector.selector, reason, ...(timeout ? { approvalTimeout: timeout } : {}), ...(concurrency ? { maxConcurrency: Number(concurrency) } : {}) },
  };
}

/** `fleetflow decommission ...`: retire the clusters a selector matches, stage-run like rollouts and upgrade waves. */
export const decommissionCommand = stagedCommand({
  command: 'decommission',
  about: 'fleet decommissions: retire the clusters a selector matches (protected ones are refused; prod waits for approval)',
  noun: 'fleet decommission',
  workflowType: 'fleetDecommission',
  idPrefix: 'fleet-decommission',
  schema: FleetDecommissionInputSchema,
  query: getDecommissionProgress,
  summary: (r) => `decommission clusters ${JSON.stringify(r.selector)}: ${r.reason.length > 80 ? `${r.reason.slice(0, 77)}...` : r.reason}`,
  render: renderDecommission,
  line: progressLine,
  finished(result) {
    const r = result as { message?: string; refused?: { name: string }[] } | undefined;
    return `${r?.message ?? 'done'}${r?.refused?.length ? `; refused (protected): ${r.refused.map((x) => x.name).join(', ')}` : ''}`;
  },
  onlyGate: DECOMMISSION_GATE,
  inputFlags: { flags: INPUT_FLAGS, read: requestFromFlags },
  async dryRun(client, value, source) {
    const inventory = await readFleet(client, value.selector);
    const plan = planFleetDecommission(value, inventory);
    return { lines: renderPlan(source, plan, inventory), data: plan };
  },
});

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
    lines.push('', `waiting for approval: ${p.approvalReasons.join('; ')}`, `  ${approveHint(HINTS, id, p.gate)}${p.approvalDeadline ? `   (before ${p.approvalDeadline})` : ''}`);
  }
  if (p.waitingFor === 'operator') lines.push('', `a cluster failed; the decommission waits for you: fleetflow decommission retry|skip|abort ${id} ...`);
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

/** The flags of `clusters decommission` that act on a fleet: aliases of `fleetflow decommission ...`. */
export const FLEET_ALIAS_FLAGS: FlagSpec[] = [
  { name: 'selector', short: 'l', type: 'string', value: 'k=v,...', help: 'alias of `decommission start --selector` (with --reason; without --wait it does not follow)' },
  { name: 'dry-run', type: 'boolean', help: 'with --selector: print the plan, change nothing' },
  { name: 'wait', type: 'boolean', help: 'with --selector, --approve or --status: follow it to the end' },
  { name: 'id', type: 'string', value: 'ID', help: 'with --selector: workflow id (default fleet-decommission/<time>)' },
  { name: 'approval-timeout', type: 'string', value: 'DURATION', help: 'with --selector: how long the gate waits (default 24h)' },
  { name: 'max-concurrency', type: 'string', value: 'N', help: 'with --selector: at once (default 5)' },
  { name: 'approve', type: 'string', value: 'ID', help: 'alias of `decommission approve ID`' },
  { name: 'abort', type: 'string', value: 'ID', help: 'alias of `decommission abort ID`' },
  { name: 'status', type: 'string', value: 'ID', help: 'alias of `decommission status ID` (`watch ID` with --wait)' },
  { name: 'by', type: 'string', value: 'NAME', help: 'with --approve or --abort: who to record (default cli:$USER)' },
  { name: 'output', short: 'o', type: 'string', value: 'FORMAT', choices: ['table', 'json', 'yaml'], help: 'with --status or --dry-run: table, json or yaml' },
];

/**
 * The `fleetflow decommission ...` command lines the old `clusters decommission` fleet flags
 * stand for (run in order), or undefined when none is given (one cluster by NAME).
 */
export function fleetAliasOf(args: Args): string[][] | undefined {
  const modes = (['selector', 'approve', 'abort', 'status'] as const).filter((m) => args.string(m) !== undefined);
  if (modes.length === 0) return undefined;
  if (args.positionals.length) throw new UsageError(`${args.command}: give a cluster NAME or --selector, not both`);
  if (modes.length > 1) throw new UsageError(`${args.command}: use one of --selector, --approve, --abort, --status`);
  const pass = (...names: string[]) => names.flatMap((n) => (args.string(n) !== undefined ? [`--${n}`, args.string(n)!] : []));
  const mode = modes[0]!;
  const id = args.string(mode)!;
  switch (mode) {
    case 'selector':
      return [['start', ...pass('selector', 'reason', 'id', 'approval-timeout', 'max-concurrency', 'output'), ...(args.flag('dry-run') ? ['--dry-run'] : []), ...(args.flag('wait') ? [] : ['--no-wait'])]];
    case 'approve':
      return [['approve', id, ...pass('reason', 'by')], ...(args.flag('wait') ? [['watch', id]] : [])];
    case 'abort':
      return [['abort', id, ...pass('reason', 'by')]];
    case 'status':
      return [args.flag('wait') ? ['watch', id] : ['status', id, ...pass('output')]];
  }
}
