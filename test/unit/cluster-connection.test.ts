import { describe, expect, it } from 'vitest';
import { AGENT_ACTIVITIES, isAgentActivity } from '../../src/domain/cluster/agent-activities.js';
import { ClusterSpecSchema } from '../../src/domain/cluster/spec.js';
import { agentTaskQueue, ClusterTargetSchema, targetOf } from '../../src/domain/cluster/target.js';

const spec = (extra: object) => ClusterSpecSchema.safeParse({ name: 'edge-1', provider: 'external', ...extra });

describe('the connection of a cluster spec', () => {
  it('is absent (direct) unless given, so specs from before agents parse as they did', () => {
    const parsed = spec({});
    expect(parsed.success && parsed.data.connection).toBe(undefined);
  });

  it.each([
    // Each refusal names the field path and why.
    ['an unknown mode', { connection: { mode: 'tunnel' } }, 'connection.mode', 'must be one of: direct, agent'],
    ['an offlineAfter below 5 s', { connection: { mode: 'agent', offlineAfter: '1s' } }, 'connection.offlineAfter', 'must be a duration from "5s" to "24h", such as "90s"'],
    ['a stray field', { connection: { mode: 'agent', token: 'x' } }, 'connection', 'Unrecognized key: "token"'],
    ['an agent for a cloud provider', { provider: 'eks', region: 'eu-west-1', connection: { mode: 'agent' } }, 'connection.mode', 'provider eks is reached directly; an agent serves providers external, local'],
  ])('refuses %s', (_why, extra, path, message) => {
    const parsed = spec(extra);
    expect(parsed.success).toBe(false);
    const issue = parsed.error!.issues.find((i) => i.path.join('.') === path);
    expect(issue?.message).toBe(message);
  });
});

describe('the target of a cluster', () => {
  it('of a direct cluster is what it was before agents: no route', () => {
    expect(targetOf(ClusterSpecSchema.parse({ name: 'web-1', provider: 'local' }))).toEqual({ provider: 'local', name: 'web-1', region: 'local' });
  });

  it("of an agent cluster names the agent's task queue and how long a task waits for it", () => {
    const t = targetOf(ClusterSpecSchema.parse({ name: 'edge-1', provider: 'external', connection: { mode: 'agent', offlineAfter: '20s' } }));
    expect(t.agent).toEqual({ taskQueue: 'fleetflow-agent/edge-1', offlineAfterMs: 20_000 });
    expect(ClusterTargetSchema.parse(t)).toEqual(t);
    expect(agentTaskQueue('edge-1')).toBe('fleetflow-agent/edge-1');
  });

  it('defaults offlineAfter to 90 s', () => {
    expect(targetOf(ClusterSpecSchema.parse({ name: 'edge-2', provider: 'local', connection: { mode: 'agent' } })).agent?.offlineAfterMs).toBe(90_000);
  });
});

describe('the activities an agent runs', () => {
  it('are the ones that touch the API server, and no provider or entity call', () => {
    expect(isAgentActivity('applyBundle')).toBe(true);
    expect(isAgentActivity('checkClusterHealth')).toBe(true);
    // A fleet policy's compliance on an agent cluster is read by its agent.
    expect(isAgentActivity('evaluateClusterPolicies')).toBe(true);
    expect(isAgentActivity('evaluatePolicyCompliance')).toBe(false);
    for (const name of ['createCluster', 'deleteCluster', 'claimClusterOperation', 'loadRolloutBundle', 'deliverChangeEvent']) expect(isAgentActivity(name)).toBe(false);
    expect(new Set(AGENT_ACTIVITIES).size).toBe(AGENT_ACTIVITIES.length);
  });
});
