import { z } from 'zod';
import type { FailureType } from '../failure-types.js';
import { isAgentCluster } from '../cluster/connection.js';
import type { ClusterState } from '../cluster/state.js';
import { sha256Hex } from './sha256.js';

// Joining is double opt-in. An operator makes a join token (`fleetflow clusters join-token`):
// the entity keeps only a digest of it. The agent proves it holds the token on first start;
// the cluster is then AgentPending until an operator accepts it (`fleetflow clusters accept`).
//
// What crosses the wire is a hash chain, so neither the token nor anything that lets one join
// is ever in a history: proof = sha256("fleetflow-join", cluster, token), digest = sha256(proof).
// The entity holds the digest (useless to a reader of the history: sha256 is not invertible);
// the agent sends the proof once, and the entity checks sha256(proof) = digest and drops the
// digest, so the proof, once visible in the history, is spent. The cluster name is hashed in,
// so one cluster's token proves nothing for another.

/** The longest a join token may live, and how long it lives unless told. */
export const JOIN_TOKEN_MAX_TTL_MS = 24 * 3_600_000;
export const JOIN_TOKEN_DEFAULT_TTL_MS = 15 * 60_000;

/** The proof the agent sends for `token` (the CLI and the agent compute it with node:crypto's sha256, passed in). */
export function joinProof(cluster: string, token: string, sha256: (text: string) => string = sha256Hex): string {
  return sha256(`fleetflow-join\n${cluster}\n${token}`);
}

/** The digest the entity keeps: the hash of the proof. */
export function joinDigest(proof: string, sha256: (text: string) => string = sha256Hex): string {
  return sha256(proof);
}

const Hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits (a sha256)');
const Name = z.string().min(1, 'must not be empty').max(200, 'must be at most 200 characters');

/** `issueJoinToken`: the digest of a new token and when it stops working. */
export const IssueJoinTokenSchema = z.object({ digest: Hex64, expiresAt: z.iso.datetime({ error: 'must be an ISO date-time' }), requestedBy: Name.optional() }).strict();
export type IssueJoinToken = z.infer<typeof IssueJoinTokenSchema>;

/** `agentJoin`: the agent's proof, who it is and which build. */
export const AgentJoinSchema = z.object({ proof: Hex64, identity: Name, version: z.string().min(1).max(50) }).strict();
export type AgentJoin = z.infer<typeof AgentJoinSchema>;

/** `acceptAgent`: who accepts; optionally the identity they saw, so they accept that agent and no other. */
export const AcceptAgentSchema = z.object({ acceptedBy: Name, identity: Name.optional() }).strict();
export type AcceptAgent = z.infer<typeof AcceptAgentSchema>;

/** `agentHeartbeat`: the agent is alive, and runs this version. */
export const AgentHeartbeatSchema = z.object({ identity: Name, version: z.string().min(1).max(50) }).strict();
export type AgentHeartbeat = z.infer<typeof AgentHeartbeatSchema>;

/** Why a join-token, join or accept is refused. */
export interface AgentRefusal {
  type: Extract<FailureType, 'JoinRefused' | 'AgentNotJoined' | 'ClusterDeleted' | 'ClusterBusy' | 'InvalidInput'>;
  message: string;
}

/** Why no join token may be made now, or undefined. */
export function refuseJoinToken(state: ClusterState, req: IssueJoinToken, nowMs: number): AgentRefusal | undefined {
  const name = state.spec.name;
  if (state.phase === 'Deleted') return { type: 'ClusterDeleted', message: `cluster ${name} has been decommissioned` };
  if (!isAgentCluster(state.spec)) return { type: 'AgentNotJoined', message: `cluster ${name} is reached directly (connection.mode is not agent): it takes no join token` };
  const expires = Date.parse(req.expiresAt);
  if (!(expires > nowMs)) return { type: 'InvalidInput', message: `expiresAt: ${req.expiresAt} is not in the future` };
  if (expires - nowMs > JOIN_TOKEN_MAX_TTL_MS) return { type: 'InvalidInput', message: `expiresAt: a join token lives at most 24h` };
  return undefined;
}

/** Keeps the new token's digest (a token made before it is replaced: only the newest works). */
export function issueJoinToken(state: ClusterState, req: IssueJoinToken, now: string): ClusterState {
  return { ...state, joinToken: { digest: req.digest, expiresAt: req.expiresAt, issuedAt: now, ...(req.requestedBy ? { issuedBy: req.requestedBy } : {}) }, updatedAt: now };
}

/** Why an agent's join is refused, or undefined. Every wrong token gets the same words: a guesser learns nothing. */
export function refuseJoin(state: ClusterState, req: AgentJoin, nowMs: number): AgentRefusal | undefined {
  const name = state.spec.name;
  if (state.phase === 'Deleted') return { type: 'ClusterDeleted', message: `cluster ${name} has been decommissioned` };
  if (state.current) return { type: 'ClusterBusy', message: `cluster ${name} is busy with ${state.current.type} ${state.current.id}; join when it has finished` };
  const refused = (why: string): AgentRefusal => ({ type: 'JoinRefused', message: `cluster ${name}: join refused: ${why}` });
  if (!isAgentCluster(state.spec)) return refused('the cluster is reached directly (connection.mode is not agent)');
  const token = state.joinToken;
  if (!token) return refused('no join token is outstanding (it was used, or none was made): make one with `fleetflow clusters join-token`');
  if (Date.parse(token.expiresAt) <= nowMs) return refused(`the join token expired at ${token.expiresAt}: make a new one`);
  if (joinDigest(req.proof) !== token.digest) return refused("the token is not this cluster's outstanding join token");
  return undefined;
}

/** The agent joined: the token is spent, and the cluster waits for an operator (AgentPending). */
export function join(state: ClusterState, req: AgentJoin, now: string): ClusterState {
  const { joinToken: _spent, ...rest } = state;
  return { ...rest, agent: { identity: req.identity, version: req.version, joinedAt: now, lastSeen: now }, phase: 'AgentPending', updatedAt: now };
}

/** Why accepting is refused, or undefined. */
export function refuseAccept(state: ClusterState, req: AcceptAgent): AgentRefusal | undefined {
  const name = state.spec.name;
  if (state.phase === 'Deleted') return { type: 'ClusterDeleted', message: `cluster ${name} has been decommissioned` };
  if (!isAgentCluster(state.spec)) return { type: 'AgentNotJoined', message: `cluster ${name} is reached directly: there is no agent to accept` };
  const agent = state.agent;
  if (!agent) return { type: 'AgentNotJoined', message: `cluster ${name}: no agent has joined yet (give it a token from \`fleetflow clusters join-token ${name}\`)` };
  if (agent.acceptedAt) return { type: 'AgentNotJoined', message: `cluster ${name}: agent ${agent.identity} was already accepted by ${agent.acceptedBy ?? '?'} at ${agent.acceptedAt}` };
  if (req.identity && req.identity !== agent.identity) return { type: 'AgentNotJoined', message: `cluster ${name}: the agent waiting is ${agent.identity}, not ${req.identity}` };
  return undefined;
}

/** Accepted: recorded with who and when (the audit), and the cluster is Active; its checks begin. */
export function accept(state: ClusterState, req: AcceptAgent, now: string): ClusterState {
  return { ...state, agent: { ...state.agent!, acceptedAt: now, acceptedBy: req.acceptedBy }, phase: 'Active', updatedAt: now };
}
