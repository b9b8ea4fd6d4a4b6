import { createHash, randomBytes } from 'node:crypto';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { joinDigest, joinProof, JOIN_TOKEN_DEFAULT_TTL_MS, JOIN_TOKEN_MAX_TTL_MS } from '../domain/agent/join.js';
import { clusterEntityId } from '../domain/cluster/inventory.js';
import { parseDuration } from '../domain/time/durations.js';
import { acceptAgent, issueJoinToken } from '../temporal/messages/agent.js';
import { onePositional, requester } from './args.js';
import type { Args, CommandSpec } from './command-table.js';
import type { CliContext } from './context.js';
import { CommandError, UsageError } from './errors.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** `fleetflow clusters join-token NAME`: a single-use token for the cluster's agent, to stdout. */
export const joinTokenCommand: CommandSpec = {
  name: 'join-token',
  args: 'NAME',
  summary: "a short-lived, single-use token for an agent cluster's agent (printed once; only its digest is kept)",
  flags: [{ name: 'ttl', type: 'string', value: 'DURATION', help: 'how long it works (default 15m, at most 24h)' }],
  run: joinToken,
};

/** `fleetflow clusters accept NAME`: the operator's half of the double opt-in. */
export const acceptCommand: CommandSpec = {
  name: 'accept',
  args: 'NAME',
  summary: 'accept the agent that joined an agent cluster (recorded with who accepted); the cluster becomes Active',
  flags: [{ name: 'identity', type: 'string', value: 'ID', help: 'accept only if the waiting agent is this one (as `clusters get` shows it)' }],
  run: accept,
};

async function joinToken(ctx: CliContext, args: Args) {
  const name = onePositional(args, 'cluster NAME');
  const ttlText = args.string('ttl');
  const ttl = ttlText === undefined ? { ok: true as const, ms: JOIN_TOKEN_DEFAULT_TTL_MS } : parseDuration(ttlText);
  if (!ttl.ok) throw new UsageError(`${args.command}: --ttl: ${ttl.error}`);
  if (ttl.ms <= 0 || ttl.ms > JOIN_TOKEN_MAX_TTL_MS) throw new UsageError(`${args.command}: --ttl: must be more than 0 and at most 24h`);
  const token = `ffjt_${randomBytes(32).toString('base64url')}`;
  // The entity gets the digest of the proof; neither the token nor the proof leaves here.
  const digest = joinDigest(joinProof(name, token, sha256), sha256);
  const expiresAt = new Date(Date.now() + ttl.ms).toISOString();
  const client = await ctx.temporal();
  await updateOrRefusal(() => client.workflow.getHandle(clusterEntityId(name)).executeUpdate(issueJoinToken, { args: [{ digest, expiresAt, requestedBy: requester() }] }), name);
  ctx.out(token);
}

async function accept(ctx: CliContext, args: Args) {
  const name = onePositional(args, 'cluster NAME');
  const identity = args.string('identity');
  const client = await ctx.temporal();
  const state = await updateOrRefusal(
    () => client.workflow.getHandle(clusterEntityId(name)).executeUpdate(acceptAgent, { args: [{ acceptedBy: requester(), ...(identity ? { identity } : {}) }] }),
    name,
  );
  ctx.out(`cluster ${name}: agent ${state.agent?.identity} (version ${state.agent?.version}) accepted by ${state.agent?.acceptedBy}; phase ${state.phase}`);
}

async function updateOrRefusal<T>(fn: () => Promise<T>, name: string): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof WorkflowUpdateFailedError) throw new CommandError(e.cause?.message ?? e.message);
    if (e instanceof Error && e.name === 'WorkflowNotFoundError') throw new CommandError(`cluster ${name} is not in the inventory`);
    throw e;
  }
}
