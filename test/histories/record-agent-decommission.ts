// Records the decommission of an agent cluster (patched 'agent-deregister'): it is deregistered
// with no provider call, on a throwaway dev server, with the real workflow bundle and the real
// claim activity; the health check answers on the agent's queue, as `fleetflow agent` would.
// The cluster joins and is accepted (Active), then decommissionCluster deregisters it.
//   node --import tsx test/histories/record-agent-decommission.ts
// writes decommission__rec-agent-d.json.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { inventoryActivities } from '../../activities/inventory.js';
import { joinDigest, joinProof } from '../../src/domain/agent/join.js';
import { agentTaskQueue } from '../../src/domain/cluster/target.js';
import { Toolchain } from '../../src/host/toolchain.js';
import { acceptAgent, agentJoin, issueJoinToken } from '../../src/temporal/messages/agent.js';
import { getClusterState } from '../../src/temporal/messages/cluster.js';
import { ALL_SEARCH_ATTRIBUTES } from '../../src/temporal/search-attributes.js';
import { workflowsPath } from '../../workers/bundle.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const sha256 = (t: string) => createHash('sha256').update(t).digest('hex');
const name = 'rec-agent-d';
const spec = { name, provider: 'external', healthCheckInterval: '1h', connection: { mode: 'agent', offlineAfter: '1h' } };
const token = 'ffjt_recorder-only-token';

Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } } });
const env = await TestWorkflowEnvironment.createLocal({
  server: { executable: { type: 'existing-path', path: new Toolchain().temporal }, ip: '127.0.0.1', namespace: 'fleetflow', searchAttributes: ALL_SEARCH_ATTRIBUTES, ui: false, log: { format: 'pretty', level: 'error' } },
});
try {
  const { claimClusterOperation } = inventoryActivities(env.client);
  const main = await Worker.create({ connection: env.nativeConnection, namespace: 'fleetflow', taskQueue: 'record', workflowsPath, activities: { claimClusterOperation } });
  const agent = await Worker.create({
    connection: env.nativeConnection,
    namespace: 'fleetflow',
    taskQueue: agentTaskQueue(name),
    activities: {
      checkClusterHealth: async () => ({ status: 'Healthy', reasons: [], checkedAt: new Date().toISOString(), version: '1.35.4' }),
      readClusterCapacity: async () => ({ cpu: { allocatable: 4, requested: 1 }, memory: { allocatable: 8 * 2 ** 30, requested: 2 ** 30 }, nodes: 1, zones: ['site-a'] }),
    },
  });
  await agent.runUntil(
    main.runUntil(async () => {
      const h = await env.client.workflow.start('clusterEntity', { workflowId: `cluster/${name}`, taskQueue: 'record', args: [{ spec }] });
      const proof = joinProof(name, token, sha256);
      await h.executeUpdate(issueJoinToken, { args: [{ digest: joinDigest(proof, sha256), expiresAt: new Date(Date.now() + 600_000).toISOString(), requestedBy: 'cli:recorder' }] });
      await h.executeUpdate(agentJoin, { args: [{ proof, identity: 'rec-site', version: '0.1.0' }] });
      await h.executeUpdate(acceptAgent, { args: [{ acceptedBy: 'cli:recorder' }] });
      const d = await env.client.workflow.start('decommissionCluster', { workflowId: `decommission/${name}`, taskQueue: 'record', args: [{ name, requestedBy: 'cli:recorder' }] });
      await d.result();
      const s = await h.query(getClusterState);
      if (s.phase !== 'Deleted') throw new Error(`the entity is ${s.phase}, not Deleted`);
      await h.result().catch(() => h.terminate('recorded'));
    }),
  );
  execFileSync(join(here, 'record'), [`decommission/${name}`], { stdio: 'inherit', env: { ...process.env, TEMPORAL_ADDRESS: env.address, TEMPORAL_NAMESPACE: 'fleetflow', TEMPORAL_CODEC_ENDPOINT: '' } });
} finally {
  await env.teardown();
}
