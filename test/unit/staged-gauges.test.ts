import { describe, expect, it } from 'vitest';
import type { StageProgress } from '../../src/domain/staged/engine.js';
import { stagedGaugeValues } from '../../src/domain/telemetry/staged-gauges.js';

const stage = (name: string, status: StageProgress['status'], counts: Partial<StageProgress> = {}): StageProgress => ({
  name, status, total: 0, pending: 0, running: 0, succeeded: 0, failed: 0, skipped: 0, waitingWindow: 0, waitingBusy: 0, timedOut: 0, maxFailures: 0, ...counts,
});

describe('stagedGaugeValues', () => {
  it.each([
    // Working on the second stage: its number, the clusters by status; waiting ones are pending, skipped ones succeeded.
    ['mid-run', { outcome: 'InProgress' as const, stage: 'rest', stages: [stage('canary', 'Succeeded', { succeeded: 1 }), stage('rest', 'Running', { running: 2, waitingWindow: 1, waitingBusy: 1, skipped: 1, pending: 3 })] }, false,
      { running: 1, stage: 2, stages: 2, clusters: { pending: 5, running: 2, succeeded: 2, failed: 0 } }],
    // Ended: no current stage, so the last one that started; not running.
    ['succeeded', { outcome: 'Succeeded' as const, stages: [stage('canary', 'Succeeded', { succeeded: 1 }), stage('rest', 'Succeeded', { succeeded: 4 })] }, false,
      { running: 0, stage: 2, stages: 2, clusters: { pending: 0, running: 0, succeeded: 5, failed: 0 } }],
    // A canary breach: the later stage never started, so the stage stays 1.
    ['failed at the canary', { outcome: 'Failed' as const, stages: [stage('canary', 'Failed', { failed: 1 }), stage('rest', 'Pending', { pending: 4 })] }, false,
      { running: 0, stage: 1, stages: 2, clusters: { pending: 4, running: 0, succeeded: 0, failed: 1 } }],
    // An abort leaves the decision InProgress; the runner's final outcome says it ended.
    ['aborted', { outcome: 'InProgress' as const, stage: 'canary', stages: [stage('canary', 'AwaitingApproval', { pending: 1 })] }, true,
      { running: 0, stage: 1, stages: 1, clusters: { pending: 1, running: 0, succeeded: 0, failed: 0 } }],
    // Planning found nothing to do.
    ['no stages', { outcome: 'Succeeded' as const, stages: [] }, false, { running: 0, stage: 0, stages: 0, clusters: { pending: 0, running: 0, succeeded: 0, failed: 0 } }],
  ])('%s', (_why, decision, ended, expected) => {
    expect(stagedGaugeValues(decision, ended)).toEqual(expected);
  });
});
