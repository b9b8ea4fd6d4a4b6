import { ApplicationFailure, continueAsNew, TemporalFailure, workflowInfo } from '@temporalio/workflow';
import type { ClusterSummary } from '../src/domain/selection/fleet-selector.js';
import { countRuns, newStagedState, type Admission, type RunCounts } from '../src/domain/staged/operator.js';
import { planUpgradeWave } from '../src/domain/upgrade/plan.js';
import { childMetadata, stageOf } from '../src/domain/operation-metadata.js';
import { requireGates } from '../src/domain/staged/plan.js';
import { haltsWave } from '../src/domain/upgrade/failure-verdict.js';
import {
  admitUpgrade,
  UpgradeWaveInputSchema,
  waveDetails,
  waveProgress,
  type UpgradeWaveInput,
  type UpgradeWaveOptions,
  type WaveProgress,
  type WaveState,
} from '../src/domain/upgrade/wave.js';
import { long } from './activity-profiles.js';
import { parseInput } from './operation-steps.js';
import { CarriedWaveStateSchema } from '../src/domain/staged/carried-state.js';
import { getWaveProgress } from '../src/temporal/messages/staged.js';
import { childFailureOf, failedChild, type RunOutcome } from './stage-runner.js';
import { clusterChild, openStaged, runStaged } from './staged-operation.js';
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
  parseInput(CarriedWaveStateSchema.nullish(), carried, 'carried state', 'InvalidInput', 'carried');
  const waveId = workflowInfo().workflowId;
  const r = await openStaged<WaveState, WaveProgress>({
    carried,
    planning: 'planning: reading the fleet',
    plan: () => planWave(opts),
    empty: emptyWave,
    query: getWaveProgress,
    queryDescription: 'Per-stage and per-cluster status, what the wave waits for, and the audit log',
    progress: waveProgress,
    details: waveDetails,
    maxHistoryEvents: opts.maxHistoryEvents,
    changeId: opts.changeId,
    hooks: {
      operatorTimeoutMs: opts.approvalTimeout,
      admit: (name, now) => admitOne(name, now),
      run: (name, attempt) => upgradeOne(name, attempt),
    },
  });

  function admitOne(name: string, now: number): Admission {
    return admitUpgrade(r.state.upgrades[name], now);
  }

  async function upgradeOne(name: string, attempt: number): Promise<RunOutcome> {
    const u = r.state.upgrades[name]!;
    const args = { name, version: u.to, wave: waveId, skipApiScan: opts.skipApiScan, ...(opts.requestedBy ? { requestedBy: opts.requestedBy } : {}) };
    try {
      const result = await clusterChild<typeof upgradeCluster>('upgradeCluster', {
        workflowId: `upgrade/${name}`,
        args: [args],
        ...childMetadata(`upgrade ${name} ${u.from} -> ${u.to}`, { workflowType: 'upgradeCluster', input: args, stage: stageOf(r.state.stages, name), attempt, parentId: waveId, parentNoun: 'upgrade wave' }),
      });
      return { succeeded: true, message: result.noop ? `already at ${result.version}` : `upgraded ${result.from} -> ${result.version} (${result.health})` };
    } catch (err) {
      return childFailure(name, err);
    }
  }

  // Nothing to do is said plainly, with what was left out and why (see the progress query).
  if (!countRuns(r.state.runs).total) r.state.final = { outcome: 'Succeeded', message: nothingToDo(r.state), at: new Date().toISOString() };
  const end = await runStaged(r, (next) => continueAsNew<typeof upgradeWave>(input, next));
  const state = r.state;
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
    ...newStagedState(requireGates(wave.stages, (name) => inventory.get(name)?.environment, opts.gatedEnvironments)),
    upgrades: wave.upgrades,
    leftOut: { upToDate, refused, excluded, unassigned },
    startedAt: new Date().toISOString(),
    generation: 0,
  };
}

/** A failed child as the wave records it: the child's own words; a post-upgrade failure halts. */
function childFailure(name: string, err: unknown): RunOutcome {
  const types: (string | null | undefined)[] = [];
  for (let e: unknown = childFailureOf(err); e instanceof TemporalFailure; e = e.cause) if (e instanceof ApplicationFailure) types.push(e.type);
  const halts = haltsWave(types);
  return { ...failedChild(`upgrade/${name}`, err, 'a manual upgrade or another wave'), ...(halts ? { halts } : {}) };
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
