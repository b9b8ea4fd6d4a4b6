import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { Client, WorkflowUpdateFailedError } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities, type FleetActivities } from '../activities/index.js';
import type { FleetflowConfig } from '../src/config.js';
import { joinProof } from '../src/domain/agent/join.js';
import { AGENT_ACTIVITIES } from '../src/domain/cluster/agent-activities.js';
import { AGENT_PROVIDERS } from '../src/domain/cluster/connection.js';
import { clusterEntityId } from '../src/domain/cluster/inventory.js';
import { agentTaskQueue } from '../src/domain/cluster/target.js';
import { AgentProvider } from '../src/providers/agent/provider.js';
import type { AgentCredentialsSource } from '../src/providers/agent/credentials-source.js';
import { ProviderRegistry } from '../src/providers/registry.js';
import { fleetflowDataConverter } from '../src/temporal/codec/data-converter.js';
import { temporalConnectConfig } from '../src/temporal/connection.js';
import { agentHeartbeat, agentJoin } from '../src/temporal/messages/agent.js';
import { getClusterState } from '../src/temporal/messages/cluster.js';
import { WORKER_TUNING } from './tuning.js';

/** How `fleetflow agent` runs: one cluster, its own credentials, the shared Temporal settings. */
export interface AgentOptions {
  cluster: string;
  credentials: AgentCredentialsSource;
  config: FleetflowConfig;
  /** The join token, on first start; without one the agent must have joined before. */
  joinToken?: string;
  /** Stable across restarts (the entity ignores heartbeats from anyone but the joined agent). Default: the host name. */
  identity?: string;
  heartbeatEveryMs?: number;
  log?: (line: string) => void;
  /** Tests only: wraps the registered activities (to hold one at a gate the test controls). */
  wrapActivities?: <A extends object>(activities: A) => A;
}

/** The build the agent reports (package.json's version). */
export const AGENT_VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The activities an agent registers: the cluster-touching ones, the very functions the main worker has. */
export function agentActivities(all: FleetActivities): Pick<FleetActivities, (typeof AGENT_ACTIVITIES)[number]> {
  return Object.fromEntries(AGENT_ACTIVITIES.map((name) => [name, all[name]])) as Pick<FleetActivities, (typeof AGENT_ACTIVITIES)[number]>;
}

/** Why an agent stops at start (a refused join): the message is for the operator, no stack. */
export class AgentStartError extends Error {}

/**
 * Runs the agent of one cluster until SIGINT/SIGTERM: joins (on first start, with the token),
 * then polls `fleetflow-agent/<cluster>` for the cluster-touching activities and heartbeats to
 * the cluster's entity. It needs only an outbound connection to the Temporal frontend.
 */
export async function runAgent(opts: AgentOptions): Promise<void> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const identity = opts.identity ?? hostname();
  const { connectionOptions, namespace } = temporalConnectConfig(opts.config);
  const dataConverter = fleetflowDataConverter(opts.config);
  const connection = await NativeConnection.connect(connectionOptions);
  try {
    const client = new Client({ connection, namespace, dataConverter });
    const entity = client.workflow.getHandle(clusterEntityId(opts.cluster));
    const state = await entity.query(getClusterState).catch(() => {
      throw new AgentStartError(`cluster ${opts.cluster} is not in the inventory: register it (connection.mode agent) first`);
    });
    if (state.spec.connection?.mode !== 'agent') throw new AgentStartError(`cluster ${opts.cluster} is reached directly (connection.mode is not agent): it has no agent`);
    if (state.agent?.identity !== identity) {
      if (!opts.joinToken) throw new AgentStartError(`cluster ${opts.cluster}: this agent (${identity}) has not joined: start it with a join token from \`fleetflow clusters join-token ${opts.cluster}\``);
      // Only the proof leaves this process; the token is never sent.
      const proof = joinProof(opts.cluster, opts.joinToken, sha256);
      await entity.executeUpdate(agentJoin, { args: [{ proof, identity, version: AGENT_VERSION }] }).catch((e: unknown) => {
        throw e instanceof WorkflowUpdateFailedError ? new AgentStartError(e.cause?.message ?? e.message) : e;
      });
      log(`fleetflow agent: joined cluster ${opts.cluster} as ${identity}; waiting for \`fleetflow clusters accept ${opts.cluster}\``);
    }
    const providers = new ProviderRegistry(AGENT_PROVIDERS.map((p) => new AgentProvider(p, opts.cluster, opts.credentials)));
    const taskQueue = agentTaskQueue(opts.cluster);
    const worker = await Worker.create({
      connection,
      namespace,
      dataConverter,
      taskQueue,
      identity: `${identity}/agent/${opts.cluster}`,
      activities: (opts.wrapActivities ?? ((a) => a))(agentActivities(createActivities({ client, providers }))),
      ...WORKER_TUNING,
    });
    const beat = () =>
      entity.signal(agentHeartbeat, { identity, version: AGENT_VERSION }).catch((e: unknown) => log(`fleetflow agent: heartbeat failed: ${e instanceof Error ? e.message : String(e)}`));
    await beat();
    const timer = setInterval(beat, opts.heartbeatEveryMs ?? 15_000);
    log(`fleetflow agent: cluster ${opts.cluster}, task queue ${taskQueue}, namespace ${namespace}, version ${AGENT_VERSION}`);
    try {
      await worker.run();
    } finally {
      clearInterval(timer);
    }
  } finally {
    await connection.close();
  }
}
