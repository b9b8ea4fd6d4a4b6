import { defineSignal, defineUpdate } from '@temporalio/workflow';
import type { AcceptAgent, AgentHeartbeat, AgentJoin, IssueJoinToken } from '../../domain/agent/join.js';
import type { ClusterState } from '../../domain/cluster/state.js';

/** Keeps the digest of a new join token for an agent cluster (the token itself never reaches the entity). */
export const issueJoinToken = defineUpdate<ClusterState, [IssueJoinToken]>('issueJoinToken');

/** The agent's first start: its proof of the token, its identity and version; the cluster becomes AgentPending. */
export const agentJoin = defineUpdate<ClusterState, [AgentJoin]>('agentJoin');

/** An operator accepts the agent that joined (the second opt-in); the cluster becomes Active. */
export const acceptAgent = defineUpdate<ClusterState, [AcceptAgent]>('acceptAgent');

/** Sent by the agent every few seconds: keeps `agent.lastSeen`, and brings an offline cluster back. */
export const agentHeartbeat = defineSignal<[AgentHeartbeat]>('agentHeartbeat');
