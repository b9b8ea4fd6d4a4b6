import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { ClusterPage, ClusterPageRequest } from '../../domain/staged/progress-pages.js';
import type { AbortInput, ApproveInput, PauseInput, RetryInput, SkipInput } from '../../domain/staged/operator.js';
import type { AbortRolloutInput, RolloutProgress } from '../../domain/rollout/fleet-rollout.js';
import type { DecommissionProgress } from '../../domain/decommission/progress.js';
import type { WaveProgress } from '../../domain/upgrade/wave.js';

// Operator controls of a staged fleet operation (upgradeWave; fleetRollout may register the same
// names through StageRunner). Each is an update, so a refusal (its validator) reaches the
// caller at once and leaves no trace in the history; each accepted one is audited with who and why.

/** Approves a gate, e.g. {"gate": "prod:before", "by": "alice", "reason": "CHG-42"}. */
export const approveGate = defineUpdate<void, [ApproveInput]>('approve');
/** Stops starting clusters; running ones finish. */
export const pauseOperation = defineUpdate<void, [PauseInput]>('pause');
/** Starts clusters again after a pause. */
export const resumeOperation = defineUpdate<void, [PauseInput]>('resume');
/** Stops for good: nothing new starts, running clusters finish, nothing is rolled back. */
export const abortOperation = defineUpdate<void, [AbortInput]>('abort');
/** Runs the named (or all) Failed clusters again. */
export const retryFailed = defineUpdate<void, [RetryInput]>('retryFailed');
/** Leaves out a cluster that is pending, waiting for its window, or failed. */
export const skipCluster = defineUpdate<void, [SkipInput]>('skipCluster');

/** An upgrade wave's progress: per stage and per cluster, what it waits for, the audit log. */
export const getWaveProgress = defineQuery<WaveProgress>('getWaveProgress');

/** A rollout's progress: the wave's shape plus the bundle and any rollback. */
export const getRolloutProgress = defineQuery<RolloutProgress>('getRolloutProgress');

/** Stops a rollout for good and, with `rollback: true`, returns the clusters it changed to their previous revision. */
export const abortRollout = defineUpdate<void, [AbortRolloutInput]>('abortRollout');

/** A fleet decommission's progress: the gate and why, per cluster, refused and excluded ones, the audit log. */
export const getDecommissionProgress = defineQuery<DecommissionProgress>('getDecommissionProgress');

/**
 * A page of a staged operation's per-cluster progress (the progress query leaves the list out
 * past 1,000 clusters and says so in `clusterPages`): {"cursor": "<next of the page before>", "limit": 500}.
 */
export const getProgressClusters = defineQuery<ClusterPage<unknown>, [ClusterPageRequest]>('getProgressClusters');
