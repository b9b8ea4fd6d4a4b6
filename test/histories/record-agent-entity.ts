// Records the entity of an agent cluster through its whole connection life, on a throwaway dev
// server, with the real workflow bundle and stub activities (the health check answers on the
// agent's queue, as `fleetflow agent` would): registered AgentPending -> join token -> the agent
// joins -> accepted (Active, checked through the agent) -> heartbeats -> none for offlineAfter
// (Unreachable, AgentOffline) -> a heartbeat brings it back (checked again, Healthy).
//   node --import tsx test/histories/record-agent-entity.ts
// writes cluster__rec-agent.json.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { joinDigest, joinProof } from '../../src/domain/agent/join.js';
import { agentTaskQueue } from '../../src/domain/cluster/target.js';
import type { ClusterState } from '../../src/domain/cluster/state.js';
import { Toolchain } from '../../src/host/toolchain.js';
import { acceptAgent, agentHeartbeat, agentJoin, issueJoinToken } from '../../src/temporal/messages/agent.js';
import { getClusterState } from '../../src/temporal/messages/cluster.js';
import { ALL_SEARCH_ATTRIBUTES } from '../../src/temporal/search-attributes.js';
import { workflowsPath } from '../../workers/bundle.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const sha256 = (t: string) => createHash('sha256').update(t).digest('hex');
const spec = { name: 'rec-agent', provider: 'external', healthCheckInterval: '1h', connection: { mode: 'agent', offlineAfter: '5s' } };
const token = 'ffjt_recorder-only-token';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } } });
const env = await TestWorkflowEnvironment.createLocal({
  server: { executable: { type: 'existing-path', path: new Toolchain().temporal }, ip: '127.0.0.1', namespace: 'fleetflow', searchAttributes: ALL_SEARCH_ATTRIBUTES, ui: false, log: { format: 'pretty', level: 'error' } },
});
try {
  const main = await Worker.create({ connection: env.nativeConnection, namespace: 'fleetflow', taskQueue: 'record', workflowsPath, activities: {} });
  const agent = await Worker.create({
    connection: env.nativeConnection,
    namespace: 'fleetflow',
    taskQueue: agentTaskQueue('rec-agent'),
    activities: {
      checkClusterHealth: async () => ({ status: 'Healthy', reasons: [], checkedAt: new Date().toISOString(), version: '1.35.4' }),
      readClusterCapacity: async () => ({ cpu: { allocatable: 4, requested: 1 }, memory: { allocatable: 8 * 2 ** 30, requested: 2 ** 30 }, nodes: 1, zones: ['site-a'] }),
    },
  });
  const until = async (h: { query: (q: typeof getClusterState) => Promise<ClusterState> }, done: (s: ClusterState) => boolean, what: string) => {
    for (let i = 0; i < 200; i++) {
      if (done(await h.query(getClusterState))) return;
      await sleep(100);
    }
    throw new Error(`the entity did not get ${what}`);
  };
  await Promise.all([
    agent.runUntil(
      main.runUntil(async () => {
        const h = await env.client.workflow.start('clusterEntity', { workflowId: 'cluster/rec-agent', taskQueue: 'record', args: [{ spec }] });
        const proof = joinProof('rec-agent', token, sha256);
        await h.executeUpdate(issueJoinToken, { args: [{ digest: joinDigest(proof, sha256), expiresAt: new Date(Date.now() + 600_000).toISOString(), requestedBy: 'cli:recorder' }] });
        await h.executeUpdate(agentJoin, { args: [{ proof, identity: 'rec-site', version: '0.1.0' }] });
        await h.executeUpdate(acceptAgent, { args: [{ acceptedBy: 'cli:recorder' }] });
        await until(h, (s) => s.health.status === 'Healthy', 'healthy');
        for (let i = 0; i < 3; i++) {
          await h.signal(agentHeartbeat, { identity: 'rec-site', version: '0.1.0' });
          await sleep(1000);
        }
        await until(h, (s) => s.health.status === 'Unreachable', 'offline');
        await h.signal(agentHeartbeat, { identity: 'rec-site', version: '0.1.0' });
        await until(h, (s) => s.health.status === 'Healthy' && s.phase === 'Active', 'back');
        await h.terminate('recorded');
      }),
    ),
  ]);
  execFileSync(join(here, 'record'), ['cluster/rec-agent'], { stdio: 'inherit', env: { ...process.env, TEMPORAL_ADDRESS: env.address, TEMPORAL_NAMESPACE: 'fleetflow', TEMPORAL_CODEC_ENDPOINT: '' } });
} finally {
  await env.teardown();
}
