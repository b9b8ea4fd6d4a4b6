import type { Decision } from '../staged/engine.js';

/** What the fleetflow_staged_operation_* gauges say about one staged operation now. */
export interface StagedGaugeValues {
  running: 0 | 1;
  /** 1-based; the stage being worked on, else the last one that started (0 before any). */
  stage: number;
  stages: number;
  clusters: { pending: number; running: number; succeeded: number; failed: number };
}

/**
 * The gauges from a decision of the staged engine. Skipped clusters count as succeeded (they
 * needed nothing) and the ones waiting for a window or a busy cluster as pending, so the four
 * statuses add up to the planned clusters. `ended`: the operation reached its final outcome
 * (an abort leaves the decision InProgress).
 *
 * @example stagedGaugeValues(decideRollout(...)).clusters.succeeded
 */
export function stagedGaugeValues(d: Pick<Decision, 'outcome' | 'stage' | 'stages'>, ended = false): StagedGaugeValues {
  const clusters = { pending: 0, running: 0, succeeded: 0, failed: 0 };
  for (const s of d.stages) {
    clusters.pending += s.pending + s.waitingWindow + s.waitingBusy;
    clusters.running += s.running;
    clusters.succeeded += s.succeeded + s.skipped;
    clusters.failed += s.failed;
  }
  const current = d.stage === undefined ? -1 : d.stages.findIndex((s) => s.name === d.stage);
  let stage = current + 1;
  if (stage === 0) {
    for (let i = d.stages.length - 1; i >= 0; i--) {
      if (d.stages[i]!.status !== 'Pending') {
        stage = i + 1;
        break;
      }
    }
  }
  return { running: !ended && d.outcome === 'InProgress' ? 1 : 0, stage, stages: d.stages.length, clusters };
}
