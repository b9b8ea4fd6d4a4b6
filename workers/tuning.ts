import type { WorkerOptions } from '@temporalio/worker';

/**
 * Worker settings shared by the worker and the scale benchmarks, so the figures describe what
 * runs. Two workflow threads instead of the SDK's one: a fleet operation's progress query waits
 * behind its children's workflow tasks, and a second thread halved its median latency in the
 * 1,000-cluster rollout bench (about 1.1 s to 0.65 s at concurrency 50 on 2 cores).
 *
 * Several workers (replicas on one task queue; README, "Workers and versioning"):
 * - Workflow threads: one per core up to the SDK's limit; workflow tasks are CPU-bound
 *   (deterministic code, history replay), so more threads than cores only queue.
 * - Workflow task slots (`maxConcurrentWorkflowTaskExecutions`, SDK default 40): about 20 per
 *   core. A slot is held only while a task runs on a thread; a wave or rollout at concurrency 50
 *   makes bursts of 50 child tasks, which 2 cores x 20 take without waiting on the server.
 * - Activity slots (`maxConcurrentActivityTaskExecutions`, SDK default 100): about 50 per core.
 *   Fleetflow's activities wait on Kubernetes and cloud APIs (I/O, heartbeating), not the CPU;
 *   the exception is the local provider, whose create and upgrade start control-plane processes
 *   on the worker's host: keep such workers at a few activity slots.
 * - Sticky cache (`maxCachedWorkflows`, SDK default from the heap size): every open run a worker
 *   served stays cached there, and its next tasks and queries go to that worker first (the
 *   sticky queue). Long-lived runs (one cluster entity per cluster, placed bundles, policies)
 *   are spread over the replicas; size each worker's cache to hold its share, about
 *   (clusters + placed bundles + policies + running operations) / replicas x 1.5. A run evicted
 *   from the cache is replayed from its history on its next task: correct, but a 1,000-cluster
 *   rollout's replay takes seconds, and its progress query waits for it.
 * - Losing a worker: its cached runs' sticky tasks wait `stickyQueueScheduleToStartTimeout`
 *   (SDK default 10 s) before going to the normal queue and any replica; activities it held
 *   are retried after their start-to-close timeout (60 s for a provider call, see
 *   workflows/activity-profiles.ts) or their heartbeat timeout (30 s for long work).
 */
export const WORKER_TUNING = { workflowThreadPoolSize: 2 } satisfies Partial<WorkerOptions>;
