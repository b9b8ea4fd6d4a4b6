import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { accept, join, joinDigest, joinProof, refuseAccept, refuseJoin, refuseJoinToken, issueJoinToken } from '../../src/domain/agent/join.js';
import { markAgentOffline, msUntilOffline, offlineRecorded, recordHeartbeat } from '../../src/domain/agent/liveness.js';
import { sha256Hex } from '../../src/domain/agent/sha256.js';
import { newClusterState } from '../../src/domain/cluster/lifecycle.js';
import { ClusterSpecSchema } from '../../src/domain/cluster/spec.js';

const nodeSha = (t: string) => createHash('sha256').update(t).digest('hex');
const T0 = Date.parse('2026-01-01T00:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
const agentSpec = (name = 'edge-1') => ClusterSpecSchema.parse({ name, provider: 'external', connection: { mode: 'agent', offlineAfter: '30s' } });
const pending = (name = 'edge-1') => newClusterState(agentSpec(name), iso(T0));
const TOKEN = 'ffjt_secret-token';
const withToken = (name = 'edge-1', expires = T0 + 60_000) =>
  issueJoinToken(pending(name), { digest: joinDigest(joinProof(name, TOKEN, nodeSha), nodeSha), expiresAt: iso(expires) }, iso(T0));
const joinReq = (name = 'edge-1', token = TOKEN) => ({ proof: joinProof(name, token, nodeSha), identity: 'site-a', version: '0.1.0' });

describe('sha256Hex (pure, for the workflow sandbox)', () => {
  it.each(['', 'abc', 'fleetflow-join\nedge-1\nffjt_x', 'é€😀', 'x'.repeat(200)])('matches node:crypto for %j', (text) => {
    expect(sha256Hex(text)).toBe(nodeSha(text));
  });
});

describe('joining an agent cluster', () => {
  it('starts AgentPending, and a registered direct cluster does not', () => {
    expect(pending().phase).toBe('AgentPending');
    expect(newClusterState(ClusterSpecSchema.parse({ name: 'web-1', provider: 'local' }), iso(T0)).phase).toBe('Registered');
  });

  it('keeps only the digest of the token: neither the token nor the proof', () => {
    const text = JSON.stringify(withToken());
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(joinReq().proof);
  });

  it('accepts the proof of the outstanding token once: the token is spent, the agent recorded, still AgentPending', () => {
    expect(refuseJoin(withToken(), joinReq(), T0 + 1000)).toBeUndefined();
    const joined = join(withToken(), joinReq(), iso(T0 + 1000));
    expect(joined.phase).toBe('AgentPending');
    expect(joined.joinToken).toBeUndefined();
    expect(joined.agent).toEqual({ identity: 'site-a', version: '0.1.0', joinedAt: iso(T0 + 1000), lastSeen: iso(T0 + 1000) });
    expect(refuseJoin(joined, joinReq(), T0 + 2000)?.message).toBe('cluster edge-1: join refused: no join token is outstanding (it was used, or none was made): make one with `fleetflow clusters join-token`');
  });

  it.each([
    // Each refusal is a JoinRefused with the reason.
    ['an expired token (at its expiry)', withToken('edge-1', T0 + 60_000), joinReq(), T0 + 60_000, 'the join token expired at 2026-01-01T00:01:00.000Z: make a new one'],
    ["another cluster's token", withToken('edge-1'), joinReq('edge-2'), T0 + 1000, "the token is not this cluster's outstanding join token"],
    ['a wrong token', withToken('edge-1'), joinReq('edge-1', 'ffjt_guess'), T0 + 1000, "the token is not this cluster's outstanding join token"],
    ['no token ever made', pending(), joinReq(), T0 + 1000, 'no join token is outstanding (it was used, or none was made): make one with `fleetflow clusters join-token`'],
  ])('refuses %s', (_why, state, req, nowMs, reason) => {
    expect(refuseJoin(state, req, nowMs)).toEqual({ type: 'JoinRefused', message: `cluster edge-1: join refused: ${reason}` });
  });

  it('makes no token for a direct cluster, nor one that lives past 24h', () => {
    const direct = newClusterState(ClusterSpecSchema.parse({ name: 'web-1', provider: 'local' }), iso(T0));
    expect(refuseJoinToken(direct, { digest: 'a'.repeat(64), expiresAt: iso(T0 + 1000) }, T0)?.type).toBe('AgentNotJoined');
    expect(refuseJoinToken(pending(), { digest: 'a'.repeat(64), expiresAt: iso(T0 + 25 * 3_600_000) }, T0)?.message).toBe('expiresAt: a join token lives at most 24h');
    expect(refuseJoinToken(pending(), { digest: 'a'.repeat(64), expiresAt: iso(T0 - 1) }, T0)?.type).toBe('InvalidInput');
  });
});

describe('accepting the agent', () => {
  const joined = () => join(withToken(), joinReq(), iso(T0 + 1000));

  it('needs an agent that joined, and makes the cluster Active with who accepted', () => {
    expect(refuseAccept(pending(), { acceptedBy: 'cli:ana' })?.type).toBe('AgentNotJoined');
    expect(refuseAccept(joined(), { acceptedBy: 'cli:ana', identity: 'site-b' })?.message).toBe('cluster edge-1: the agent waiting is site-a, not site-b');
    const accepted = accept(joined(), { acceptedBy: 'cli:ana' }, iso(T0 + 2000));
    expect(accepted.phase).toBe('Active');
    expect(accepted.agent).toMatchObject({ acceptedBy: 'cli:ana', acceptedAt: iso(T0 + 2000) });
    expect(refuseAccept(accepted, { acceptedBy: 'cli:bo' })?.message).toContain('was already accepted by cli:ana');
  });
});

describe('liveness', () => {
  const active = () => accept(join(withToken(), joinReq(), iso(T0)), { acceptedBy: 'cli:ana' }, iso(T0));

  it('is not watched before the agent is accepted', () => {
    expect(msUntilOffline(join(withToken(), joinReq(), iso(T0)), T0 + 60_000)).toBeUndefined();
  });

  it('counts offlineAfter from the last heartbeat', () => {
    const beat = recordHeartbeat(active(), { identity: 'site-a', version: '0.1.1' }, iso(T0 + 10_000));
    expect(beat.ignored).toBe(false);
    expect(beat.state.agent?.version).toBe('0.1.1');
    expect(msUntilOffline(beat.state, T0 + 15_000)).toBe(25_000);
    expect(msUntilOffline(beat.state, T0 + 45_000)).toBe(0);
  });

  it('makes an offline cluster Unreachable (AgentOffline), and a heartbeat says it recovered', () => {
    const offline = markAgentOffline(active(), iso(T0 + 31_000));
    expect(offline.health.status).toBe('Unreachable');
    expect(offline.health.reasons[0]).toMatch(/^AgentOffline: no heartbeat from agent site-a since/);
    expect(offline.phase).toBe('Degraded');
    expect(offlineRecorded(offline)).toBe(true);
    expect(msUntilOffline(offline, T0 + 40_000)).toBeUndefined();
    expect(recordHeartbeat(offline, { identity: 'site-a', version: '0.1.0' }, iso(T0 + 50_000)).recovered).toBe(true);
  });

  it('ignores a heartbeat from an agent that is not the joined one', () => {
    const r = recordHeartbeat(active(), { identity: 'impostor', version: '0.1.0' }, iso(T0 + 1000));
    expect(r.ignored).toBe(true);
    expect(r.state).toEqual(active());
  });
});
