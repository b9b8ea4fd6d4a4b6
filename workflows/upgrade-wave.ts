import {
  allHandlersFinished,
  ApplicationFailure,
  ChildWorkflowCancellationType,
  ChildWorkflowFailure,
  condition,
  continueAsNew,
  ParentClosePolicy,
  setCurrentDetails,
  setHandler,
  startChild,
  TemporalFailure,
  workflowInfo,
} from '@temporalio/workflow';
import type { ClusterSummary } from '../src/domain/selection/fleet-selector.js';
import { decideRollout } from '../src/domain/staged/engine.js';
import { countRuns, newStagedState, type RunCounts } from '../src/domain/staged/operator.js';
import { planUpgradeWave } from '../src/domain/upgrade/plan.js';
import { haltsWave } from '../src/domain/upgrade/failure-verdict.js';
import {
  admitUpgrade,
  UpgradeWaveInputSchema,
  waveDetails,
  waveProgress,
  type UpgradeWaveInput,
  type UpgradeWaveOptions,
  type WaveState,
} from '../src/domain/upgrade/wave.js';
import { long } from './activity-profiles.js';
import { parseInput } from './operation-steps.js';
import { getWaveProgress } from '../src/temporal/messages/staged.js';
import { historyIsLong } from './history-limits.js';
import { childFailureMessage, StageRunner, type RunOutcome } from './stage-runner.js';
import type { upgradeCluster } from './upgrade-cluster.js';

/** How a wave ended, when it did not fail. */
export interface UpgradeWaveResult {
  outcome: 'Succeeded' | 'Aborted';
  message: string;
  counts: RunCounts;
  upgraded: string[];
}

/**
 * Upgrades a fleet in stages (dev, then staging, then prod by default, soak between them):
 * listFleet -> planUpgradeWave -> the stage runner, which starts each cluster as a child
 * upgradeCluster (id `upgrade/<cluster>`) inside its maintenance window, with the plan's
 * concurrency, failure budget and approval gates. Operators approve, pause, resume, abort,
 * retry failed clusters and skip clusters through updates; getWaveProgress answers per stage
 * and per cluster. A failure after a control plane moved halts the wave (no rollback exists).
 *
 * Children are ABANDONed on close and never cancelled by the wave: a control-plane upgrade is
 * not something to interrupt halfway, and each child reports to its cluster entity itself.
 * Long waves continue as new (carrying `carried`) at a moment when no child runs, so every
 * child's completion lands in the run that started it.
 */
export async function upgradeWave(input: UpgradeWaveInput, carried?: WaveState): Promise<UpgradeWaveResult> {
  const opts = parseInput(UpgradeWaveInputSchema, input, 'upgrade wave');
  const waveId = workflowInfo().workflowId;
  // Registered before planning, so the UI's query answers (an empty wave) from the start.
  let runner: StageRunner | undefined;
  setHandler(getWaveProgress, () => {
    const state = (runner?.state ?? carried ?? emptyWave()) as WaveState;
    const now = Date.now();
    const progress = waveProgress(state, decideRollout({ stages: state.stages, runs: state.runs, operator: state.operator, now }), now);
    return runner || carried ? progress : { ...progress, outcome: 'InProgress', summary: 'planning: reading the fleet' };
  }, { description: 'Per-stage and per-cluster status, what the wave waits for, and the audit log' });

  setCurrentDetails(carried ? `continuing (generation ${carried.generation})` : 'planning: reading the fleet');
  const initial = carried ?? (await planWave(opts));
  const r = new StageRunner(initial, {
    operatorTimeoutMs: opts.approvalTimeout,
    admit: (name, now) => admitUpgrade(initial.upgrades[name], now),
    run: (name, attempt) => upgradeOne(name, attempt),
    onProgress: (decision, now) => setCurrentDetails(waveDetails(waveProgress(r.state as WaveState, decision, now, false), now)),
    shouldContinueAsNew: () => historyIsLong(opts.maxHistoryEvents),
  });
  runner = r;
  r.installOperatorHandlers();

  async function upgradeOne(name: string, attempt: number): Promise<RunOutcome> {
    const u = initial.upgrades[name]!;
    try {
      const child = await startChild<typeof upgradeCluster>('upgradeCluster', {
        workflowId: `upgrade/${name}`,
        args: [{ name, version: u.to, wave: waveId, skipApiScan: opts.skipApiScan, ...(opts.requestedBy ? { requestedBy: opts.requestedBy } : {}) }],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        cancellationType: ChildWorkflowCancellationType.ABANDON,
        staticSummary: `upgrade ${name} ${u.from} -> ${u.to} (wave ${waveId}${attempt > 1 ? `, attempt ${attempt}` : ''})`,
      });
      const result = await child.result();
      return { succeeded: true, message: result.noop ? `already at ${result.version}` : `upgraded ${result.from} -> ${result.version} (${result.health})` };
    } catch (err) {
      return childFailure(name, err);
    }
  }

  // Nothing to do is said plainly, with what was left out and why (see the progress query).
  const total = countRuns(initial.runs).total;
  if (!total) r.state.final = { outcome: 'Succeeded', message: nothingToDo(initial), at: new Date().toISOString() };
  const end = r.state.final ?? (await r.run());
  await condition(allHandlersFinished);
  const state = r.state as WaveState;
  if (end.outcome === 'ContinueAsNew') return continueAsNew<typeof upgradeWave>(input, { ...state, generation: state.generation + 1 });
  const counts = countRuns(state.runs);
  if (end.outcome === 'Failed') throw ApplicationFailure.create({ message: end.message, type: end.type ?? 'WaveFailed', nonRetryable: true, details: [counts] });
  const upgraded = Object.keys(state.runs).filter((n) => state.runs[n]!.status === 'Succeeded').sort();
  return { outcome: end.outcome, message: end.message, counts, upgraded };
}

/** Reads the fleet for every target's selector and plans the wave with the domain planner. */
async function planWave(opts: UpgradeWaveOptions): Promise<WaveState> {
  const inventory = new Map<string, ClusterSummary>();
  for (const t of opts.targets) for (const c of await long.listFleet(t.selector)) inventory.set(c.name, c);
  const wave = planUpgradeWave(opts, [...inventory.values()]);
  const { upToDate, refused, excluded, unassigned } = wave;
  return {
    ...newStagedState(wave.stages),
    upgrades: wave.upgrades,
    leftOut: { upToDate, refused, excluded, unassigned },
    startedAt: new Date().toISOString(),
    generation: 0,
  };
}

/** A failed child as the wave records it: the child's own words; a post-upgrade failure halts. */
function childFailure(name: string, err: unknown): RunOutcome {
  const message = childFailureMessage(`upgrade/${name}`, err, 'a manual upgrade or another wave');
  const top = err instanceof ChildWorkflowFailure && err.cause ? err.cause : err;
  const types: (string | null | undefined)[] = [];
  for (let e: unknown = top; e instanceof TemporalFailure; e = e.cause) if (e instanceof ApplicationFailure) types.push(e.type);
  const halts = haltsWave(types);
  return { succeeded: false, message, ...(halts ? { halts } : {}) };
}

function nothingToDo(w: WaveState): string {
  const { upToDate, refused, excluded, unassigned } = w.leftOut;
  const parts = [
    upToDate.length && `${upToDate.length} up to date`,
    refused.length && `${refused.length} refused by the skew rules`,
    excluded.length && `${excluded.length} left out`,
    unassigned.length && `${unassigned.length} in no stage`,
  ].filter(Boolean);
  return `nothing to upgrade${parts.length ? `: ${parts.join(', ')}` : ': no cluster selected'}`;
}

function emptyWave(): WaveState {
  return { ...newStagedState([]), upgrades: {}, leftOut: { upToDate: [], refused: [], excluded: [], unassigned: [] }, startedAt: new Date().toISOString(), generation: 0 };
}
