import { busyClusters } from './busy.js';
import { countRuns, type StagedState } from './operator.js';

/**
 * What the progress of every staged operation (wave, rollout, fleet decommission) says about
 * the operator and the runs, the same way: pause, abort, approvals, counts, busy clusters, the
 * audit log, and where the operation stands in its generations.
 */
export function operatorView(s: StagedState & { startedAt: string; generation: number }) {
  return {
    paused: s.operator.paused,
    aborted: s.operator.aborted,
    approvals: [...s.operator.approvals],
    counts: countRuns(s.runs),
    busy: busyClusters(s.runs),
    audit: s.audit,
    startedAt: s.startedAt,
    generation: s.generation,
    ...(s.final ? { final: s.final } : {}),
  };
}
