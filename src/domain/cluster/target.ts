import { z } from 'zod';
import { AccountNameSchema, ClusterNameSchema, PROVIDERS, type ClusterSpec } from './spec.js';
import type { ClusterState } from './state.js';
import { isAgentCluster, offlineAfterMs } from './connection.js';

/** The prefix of an agent's task queue; the whole name is `fleetflow-agent/<cluster>`. */
export const AGENT_QUEUE_PREFIX = 'fleetflow-agent/';

/** The task queue the agent of `cluster` polls: the one place its name is decided. */
export function agentTaskQueue(cluster: string): string {
  return `${AGENT_QUEUE_PREFIX}${cluster}`;
}

/** Where the activities of an agent cluster run, and how long they wait for the agent to pick them up. */
export const AgentRouteSchema = z.object({ taskQueue: z.string().min(1), offlineAfterMs: z.number().int().positive() }).strict();
export type AgentRoute = z.infer<typeof AgentRouteSchema>;

/** Which cluster, on which provider; holds no secret (credentials are resolved on the worker). */
export const ClusterTargetSchema = z
  .object({
    name: ClusterNameSchema,
    provider: z.enum(PROVIDERS),
    region: z.string().min(1, 'must not be empty'),
    providerId: z.string().min(1).optional(),
    account: AccountNameSchema.optional(),
    /** Present for a cluster reached through its agent: its activities go to the agent's queue. */
    agent: AgentRouteSchema.optional(),
  })
  .strict();

/** Everything an activity needs to find a cluster: the one shape workflows hand to activities. */
export type ClusterTarget = z.infer<typeof ClusterTargetSchema>;

/**
 * The target of a cluster, from its spec (with the provider's id once it has one) or from the
 * entity's state (which knows the provider's id). The only place a target is built.
 */
export function targetOf(of: ClusterSpec | ClusterState, providerId?: string): ClusterTarget {
  const spec = 'spec' in of ? of.spec : of;
  const id = providerId ?? ('spec' in of ? of.providerId : undefined);
  return {
    provider: spec.provider,
    name: spec.name,
    region: spec.region,
    ...(spec.account ? { account: spec.account } : {}),
    ...(id ? { providerId: id } : {}),
    // Direct clusters get exactly the target they had before agents existed.
    ...(isAgentCluster(spec) ? { agent: { taskQueue: agentTaskQueue(spec.name), offlineAfterMs: offlineAfterMs(spec.connection) } } : {}),
  };
}

/** The provider-facing part of a target (the provider is already chosen). */
export function refOf({ name, region, providerId, account }: ClusterTarget): { name: string; region: string; providerId?: string; account?: string } {
  return { name, region, ...(providerId ? { providerId } : {}), ...(account ? { account } : {}) };
}
