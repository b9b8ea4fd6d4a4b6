import { isAgentCluster, offlineAfterMs } from '../cluster/connection.js';
import { recordHealth } from '../cluster/checks.js';
import type { ClusterState } from '../cluster/state.js';
import type { AgentHeartbeat } from './join.js';

/** The reason an offline agent's cluster is Unreachable for (the start of its reason line). */
export const AGENT_OFFLINE = 'AgentOffline';

/** Whether the health verdict is already "Unreachable because the agent is offline". */
export function offlineRecorded(state: ClusterState): boolean {
  return state.health.status === 'Unreachable' && state.health.reasons.some((r) => r.includes(AGENT_OFFLINE));
}

/** Whether liveness applies: an agent cluster whose agent was accepted, in a phase that is checked. */
function watched(state: ClusterState): boolean {
  return isAgentCluster(state.spec) && !!state.agent?.acceptedAt && (state.phase === 'Active' || state.phase === 'Degraded');
}

/** Ms until the agent counts as offline (0 when it already does), or undefined when that is not watched or already recorded. */
export function msUntilOffline(state: ClusterState, nowMs: number): number | undefined {
  if (!watched(state) || offlineRecorded(state)) return undefined;
  const last = Date.parse(state.agent?.lastSeen ?? state.agent?.acceptedAt ?? '');
  if (Number.isNaN(last)) return 0;
  return Math.max(0, last + offlineAfterMs(state.spec.connection) - nowMs);
}

/** The cluster is Unreachable with reason AgentOffline (its phase follows: Active becomes Degraded). */
export function markAgentOffline(state: ClusterState, now: string): ClusterState {
  const after = state.spec.connection?.offlineAfter ?? '90s';
  const reason = `${AGENT_OFFLINE}: no heartbeat from agent ${state.agent?.identity ?? '?'} since ${state.agent?.lastSeen ?? 'it was accepted'} (offlineAfter ${after})`;
  return recordHealth(state, { status: 'Unreachable', reasons: [reason], checkedAt: now }, now);
}

/**
 * A heartbeat from the joined agent: its lastSeen and version. One from anyone else (a stale
 * agent, a second copy) changes nothing; `recovered` says the cluster was offline, so the entity
 * checks it now instead of at the next interval.
 */
export function recordHeartbeat(state: ClusterState, hb: AgentHeartbeat, now: string): { state: ClusterState; recovered: boolean; ignored: boolean } {
  if (!state.agent || state.agent.identity !== hb.identity) return { state, recovered: false, ignored: true };
  return { state: { ...state, agent: { ...state.agent, version: hb.version, lastSeen: now } }, recovered: offlineRecorded(state), ignored: false };
}
