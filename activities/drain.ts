import { Context } from '@temporalio/activity';
import { DrainInputSchema, NodeInputSchema, type DrainInput, type NodeInput } from '../src/domain/cluster/kube-operation-inputs.js';
import { cordon, drainNode, uncordon, type DrainProgress, type DrainResult } from '../src/kube/drain.js';
import type { ProviderRegistry } from '../src/providers/registry.js';
import { clusterNameOf, credentialsFor, parseInput } from './cluster-access.js';
import { step } from './errors.js';

/** Time kept back from the start-to-close timeout, so the drain reports its own timeout first. */
const MARGIN_MS = 15_000;
/** Heartbeat at least this often even while one call is slow, so a live drain is never timed out. */
const BEAT_MS = 5_000;

/** Cordon and uncordon are quick calls; drainNode is long and heartbeats (the `drain` profile). */
export function drainActivities(providers: ProviderRegistry) {
  return {
    /** Marks the node unschedulable; `wasUnschedulable` says whether undo should uncordon it. */
    async cordonNode(input: NodeInput): Promise<{ node: string; wasUnschedulable: boolean }> {
      return step(clusterNameOf(input), 'cordoning a node', async () => {
        const { target, node } = parseInput(NodeInputSchema, input);
        return cordon(await credentialsFor(providers, target), node);
      });
    },

    /** Makes the node schedulable again: the undo of cordonNode and drainNode. */
    async uncordonNode(input: NodeInput): Promise<{ node: string; wasUnschedulable: boolean }> {
      return step(clusterNameOf(input), 'uncordoning a node', async () => {
        const { target, node } = parseInput(NodeInputSchema, input);
        return uncordon(await credentialsFor(providers, target), node);
      });
    },

    /**
     * Cordons and drains a node, heartbeating its progress (evicted, remaining, the pods a
     * PodDisruptionBudget holds back). Fails non-retryable with DrainTimedOut at the deadline.
     * Cancelling the activity stops it between calls; the node stays cordoned.
     */
    async drainNode(input: DrainInput): Promise<DrainResult> {
      const ctx = Context.current();
      let last: DrainProgress | undefined;
      const beat = setInterval(() => ctx.heartbeat(last ?? 'draining'), BEAT_MS);
      try {
        return await step(clusterNameOf(input), 'draining a node', async () => {
          const { target, node, deadlineSeconds, gracePeriodSeconds, retryIntervalSeconds } = parseInput(DrainInputSchema, input);
          const creds = await credentialsFor(providers, target);
          const budget = Math.max(1_000, ctx.info.startToCloseTimeoutMs - MARGIN_MS);
          return drainNode(creds, node, {
            deadlineMs: Math.min(deadlineSeconds * 1000, budget),
            retryIntervalMs: retryIntervalSeconds * 1000,
            ...(gracePeriodSeconds !== undefined ? { gracePeriodSeconds } : {}),
            signal: ctx.cancellationSignal,
            onProgress: (p) => {
              last = p;
              ctx.heartbeat(p);
            },
          });
        });
      } catch (err) {
        // A cancelled activity must end as cancelled, not as an ApplicationFailure.
        if (ctx.cancellationSignal.aborted) throw ctx.cancellationSignal.reason;
        throw err;
      } finally {
        clearInterval(beat);
      }
    },
  };
}
