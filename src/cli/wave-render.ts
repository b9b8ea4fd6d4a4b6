import { formatDuration } from '../domain/time/durations.js';
import type { WaveProgress } from '../domain/upgrade/wave.js';
import { approveHint } from './staged-command.js';
import { table } from './table.js';

/** Options of renderWave. */
export interface RenderOptions {
  now: number;
  /** Show every cluster (default), or only those not yet done when the wave is large. */
  clusterLimit?: number;
  /** What the operation is called in the heading; default "upgrade wave". */
  noun?: string;
  /** The CLI word its hints name, e.g. "rollout" in `fleetflow rollout approve ...`. */
  command: string;
}

const when = (iso: string | undefined, now: number) => (iso ? `in ${formatDuration(Date.parse(iso) - now)}` : '');

/**
 * The wave as a terminal screen: where it stands, counts, one row per stage, one row per
 * cluster (busy and failed ones first when there are more than `clusterLimit`), the next gate,
 * who did what, and what was left out. `fleetflow upgrade status` prints it once; `watch` redraws it.
 */
export function renderWave(id: string, p: WaveProgress, opts: RenderOptions): string[] {
  const c = p.counts;
  const state = p.outcome === 'InProgress' ? (p.paused ? 'Paused' : 'Running') : p.outcome;
  const lines = [
    `${opts.noun ?? 'upgrade wave'} ${id}: ${state}: ${p.summary}`,
    `clusters: ${c.Succeeded}/${c.total} done, ${c.Failed} failed, ${c.Running} running, ${c.WaitingWindow} waiting for a window, ${c.WaitingBusy ? `${c.WaitingBusy} waiting for a busy cluster, ` : ''}${c.Pending} pending, ${c.Skipped} skipped`,
    '',
    table(
      ['stage', 'status', 'done', 'running', 'failed', 'window', 'budget', 'soak ends'],
      p.stages.map((s) => [s.name, s.status, `${s.succeeded + s.failed + s.skipped}/${s.total}`, String(s.running), String(s.failed), String(s.waitingWindow), String(s.maxFailures), s.soakEndsAt ? when(new Date(s.soakEndsAt).toISOString(), opts.now) : '']),
    ),
  ];
  const limit = opts.clusterLimit ?? Infinity;
  const rank = (s: string) => ({ Running: 0, Failed: 1, WaitingBusy: 2, WaitingWindow: 2, Pending: 3 })[s] ?? 4;
  const shown = p.clusters.length > limit ? [...p.clusters].sort((a, b) => rank(a.status) - rank(b.status)).slice(0, limit) : p.clusters;
  if (shown.length) {
    lines.push(
      '',
      table(
        ['cluster', 'stage', 'from', 'to', 'status', 'tries', 'message'],
        shown.map((x) => [x.name, x.stage, x.from, x.to, x.status, String(x.attempts), x.status === 'WaitingWindow' && x.wakeAt ? `window opens ${when(x.wakeAt, opts.now)}` : (x.message ?? '')]),
      ),
    );
    if (shown.length < p.clusters.length) lines.push(`... and ${p.clusters.length - shown.length} more (-o json lists all)`);
  }
  if (p.gate) lines.push('', `waiting for approval: ${approveHint({ command: opts.command }, id, p.gate)}`);
  else if (p.nextGate) lines.push('', `next gate: ${p.nextGate}`);
  if (p.waitingFor === 'operator') lines.push('', `the ${opts.noun ?? 'upgrade wave'} waits for you: fleetflow ${opts.command} retry|skip|abort ${id} ...`);
  if (p.wakeAt && p.outcome === 'InProgress') lines.push(`next look ${when(p.wakeAt, opts.now)} (${p.wakeAt})`);
  const left = p.leftOut;
  for (const r of left.refused) lines.push(`refused: ${r.name} -> ${r.target}: ${r.refusals.map((x) => x.message).join('; ')}`);
  for (const e of left.excluded) lines.push(`left out: ${e.name}: ${e.reason}: ${e.message}`);
  for (const u of left.unassigned) lines.push(`not in any stage: ${u.name} (environment ${u.environment})`);
  if (left.upToDate.length) lines.push(`up to date: ${left.upToDate.map((u) => `${u.name} (${u.version})`).join(', ')}`);
  if (p.audit.length) {
    lines.push('', 'operator actions:');
    for (const a of p.audit.slice(-10)) lines.push(`  ${a.at}  ${a.action}${a.detail ? ` ${a.detail}` : ''} by ${a.by}${a.reason ? `: ${a.reason}` : ''}`);
  }
  return lines;
}

/** One line per change for logs: time, state, summary and counts. */
export function plainLine(p: WaveProgress): string {
  const c = p.counts;
  const state = p.outcome === 'InProgress' ? (p.paused ? 'Paused' : 'Running') : p.outcome;
  return `${state}: ${p.summary} [${c.Succeeded}/${c.total} done, ${c.Failed} failed, ${c.Running} running, ${c.WaitingWindow + c.WaitingBusy} waiting, ${c.Pending} pending]`;
}
