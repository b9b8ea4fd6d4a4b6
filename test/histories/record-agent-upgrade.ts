// Records the upgrades of agent clusters (patched 'agent-upgrade-checks'): their health and
// removed-API scan answer on the agent's queue, as `fleetflow agent` would, and no provider call
// is made. rec-agent-u runs 1.35.4, so its upgrade to 1.36 is refused (NotSupported: its owners
// upgrade it); rec-agent-v runs 1.36.3 already, so its upgrade is a no-op that records the version.
// On a throwaway dev server, with the real workflow bundle and the real inventory activities.
//   node --import tsx test/histories/record-agent-upgrade.ts
// writes upgrade__rec-agent-u.json and upgrade__rec-agent-v.json.
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
import { ALL_SEARCH_ATTRIBUTES } from '../../src/temporal/search-attributes.js';
import { workflowsPath } from '../../workers/bundle.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const sha256 = (t: string) => createHash('sha256').update(t).digest('hex');
const clusters = { 'rec-agent-u': '1.35.4', 'rec-agent-v': '1.36.3' } as const;
const token = 'ffjt_recorder-only-token';

Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } } });
const env = await TestWorkflowEnvironment.createLocal({
  server: { executable: { type: 'existing-path', path: new Toolchain().temporal }, ip: '127.0.0.1', namespace: 'fleetflow', searchAttributes: ALL_SEARCH_ATTRIBUTES, ui: false, log: { format: 'pretty', level: 'error' } },
});
try {
  const { claimClusterOperation, readClusterSummary } = inventoryActivities(env.client);
  const main = await Worker.create({ connection: env.nativeConnection, namespace: 'fleetflow', taskQueue: 'record', workflowsPath, activities: { claimClusterOperation, readClusterSummary } });
  const agent = (name: string, version: string) =>
    Worker.create({
      connection: env.nativeConnection,
      namespace: 'fleetflow',
      taskQueue: agentTaskQueue(name),
      activities: {
        checkClusterHealth: async () => ({ status: 'Healthy', reasons: [], checkedAt: new Date().toISOString(), version, nodes: { ready: 0, total: 0 } }),
        readClusterCapacity: async () => ({ cpu: { allocatable: 4, requested: 1 }, memory: { allocatable: 8 * 2 ** 30, requested: 2 ** 30 }, nodes: 1, zones: ['site-a'] }),
        scanRemovedApis: async ({ targetVersion }: { targetVersion: string }) => ({ targetVersion, cluster: [], manifests: [], served: [], scannedObjects: 12 }),
      },
    });
  const [u, v] = await Promise.all(Object.entries(clusters).map(([name, version]) => agent(name, version)));
  await u!.runUntil(
    v!.runUntil(
      main.runUntil(async () => {
        for (const [name, version] of Object.entries(clusters)) {
          const spec = { name, provider: 'external', healthCheckInterval: '1h', connection: { mode: 'agent', offlineAfter: '1h' } };
          const h = await env.client.workflow.start('clusterEntity', { workflowId: `cluster/${name}`, taskQueue: 'record', args: [{ spec }] });
          const proof = joinProof(name, token, sha256);
          await h.executeUpdate(issueJoinToken, { args: [{ digest: joinDigest(proof, sha256), expiresAt: new Date(Date.now() + 600_000).toISOString(), requestedBy: 'cli:recorder' }] });
          await h.executeUpdate(agentJoin, { args: [{ proof, identity: 'rec-site', version: '0.1.0' }] });
          await h.executeUpdate(acceptAgent, { args: [{ acceptedBy: 'cli:recorder' }] });
          const up = await env.client.workflow.start('upgradeCluster', { workflowId: `upgrade/${name}`, taskQueue: 'record', args: [{ name, version: '1.36', requestedBy: 'cli:recorder' }] });
          const outcome = await up.result().then(
            (r) => `no-op at ${r.version}`,
            (e: Error & { cause?: { type?: string } }) => `failed ${e.cause?.type}`,
          );
          const expected = version === '1.36.3' ? 'no-op at 1.36.3' : 'failed NotSupported';
          if (outcome !== expected) throw new Error(`upgrade/${name}: ${outcome}, not ${expected}`);
        }
      }),
    ),
  );
  execFileSync(join(here, 'record'), Object.keys(clusters).map((n) => `upgrade/${n}`), { stdio: 'inherit', env: { ...process.env, TEMPORAL_ADDRESS: env.address, TEMPORAL_NAMESPACE: 'fleetflow', TEMPORAL_CODEC_ENDPOINT: '' } });
} finally {
  await env.teardown();
}
