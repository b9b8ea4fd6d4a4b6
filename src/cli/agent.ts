import { readFileSync } from 'node:fs';
import { ClusterNameSchema } from '../domain/cluster/spec.js';
import { parseDuration } from '../domain/time/durations.js';
import type { Args, CommandSpec } from './command-table.js';
import type { CliContext } from './context.js';
import { CommandError, UsageError } from './errors.js';

/** `fleetflow agent`: the worker beside a cluster behind a firewall. */
export const agentCommand: CommandSpec = {
  name: 'agent',
  summary: "run the agent of one cluster: polls fleetflow-agent/NAME and runs its cluster-touching activities with the cluster's own credentials",
  flags: [
    { name: 'cluster', type: 'string', value: 'NAME', help: 'the cluster this agent serves (required)' },
    { name: 'kubeconfig', type: 'string', value: 'FILE', help: "the cluster's kubeconfig (default: in-cluster, the pod's ServiceAccount)" },
    { name: 'context', type: 'string', value: 'NAME', help: "the kubeconfig's context (default: its current-context)" },
    { name: 'join-token-file', type: 'string', value: 'FILE', help: 'the join token, on first start (or FLEETFLOW_JOIN_TOKEN)' },
    { name: 'identity', type: 'string', value: 'ID', help: 'who this agent is, stable across restarts (default: the host name)' },
    { name: 'heartbeat-every', type: 'string', value: 'DURATION', help: 'how often it heartbeats to the cluster entity (default 15s)' },
  ],
  details: 'Needs only an outbound connection to Temporal (TEMPORAL_* settings) and the encryption keys of the fleet (FLEETFLOW_CONFIG).',
  run: agent,
};

async function agent(ctx: CliContext, args: Args) {
  const cluster = args.string('cluster');
  if (!cluster) throw new UsageError(`${args.command}: --cluster NAME is required`);
  const name = ClusterNameSchema.safeParse(cluster);
  if (!name.success) throw new UsageError(`${args.command}: --cluster: ${name.error.issues[0]?.message}`);
  const kubeconfig = args.string('kubeconfig');
  const context = args.string('context');
  if (context && !kubeconfig) throw new UsageError(`${args.command}: --context goes with --kubeconfig`);
  const every = args.string('heartbeat-every');
  const beat = every === undefined ? undefined : parseDuration(every);
  if (beat && (!beat.ok || beat.ms < 1000)) throw new UsageError(`${args.command}: --heartbeat-every: ${beat.ok ? 'must be at least 1s' : beat.error}`);
  const tokenFile = args.string('join-token-file');
  let joinToken = process.env.FLEETFLOW_JOIN_TOKEN?.trim() || undefined;
  if (tokenFile) {
    try {
      joinToken = readFileSync(tokenFile, 'utf8').trim();
    } catch (e) {
      throw new UsageError(`${args.command}: --join-token-file: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  // Loaded here: the worker SDK is heavy and no other command needs it.
  const { runAgent, AgentStartError } = await import('../../workers/agent.js');
  const { installWorkerRuntime } = await import('../../workers/telemetry.js');
  installWorkerRuntime(undefined);
  try {
    await runAgent({
      cluster,
      config: ctx.config,
      credentials: kubeconfig ? { kind: 'kubeconfig', file: kubeconfig, ...(context ? { context } : {}) } : { kind: 'in-cluster' },
      ...(joinToken ? { joinToken } : {}),
      ...(args.string('identity') ? { identity: args.string('identity')! } : {}),
      ...(beat?.ok ? { heartbeatEveryMs: beat.ms } : {}),
      log: ctx.out,
    });
  } catch (e) {
    if (e instanceof AgentStartError) throw new CommandError(e.message);
    throw e;
  }
}
