// Records a fleetPolicy over a direct and an agent cluster (patch policy-through-agents), on a
// throwaway dev server, with the bundle of test/workflows/fleet-policy.test.ts and stub
// activities: the main worker's evaluation hands the agent cluster back (throughAgent) and
// evaluateClusterPolicies answers on the agent's queue, as `fleetflow agent` would. One
// evaluation (the agent cluster drifted), then a delete.
//   node --import tsx test/histories/record-agent-policy.ts
// writes policy__rec-agent.json.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { agentTaskQueue } from '../../src/domain/cluster/target.js';
import type { ClusterEvaluation } from '../../src/domain/policy/compliance.js';
import type { FleetPolicyInput } from '../../src/domain/policy/fleet-policy.js';
import { Toolchain } from '../../src/host/toolchain.js';
import { deleteFleetPolicy, evaluateFleetPolicy } from '../../src/temporal/messages/policy.js';
import { ALL_SEARCH_ATTRIBUTES } from '../../src/temporal/search-attributes.js';
import { cluster } from '../helpers/cluster-summaries.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const workflowsPath = fileURLToPath(new URL('../workflows/fleet-policy-workflows.ts', import.meta.url));
const spec: FleetPolicyInput = {
  name: 'rec-agent',
  selector: { matchLabels: { team: 'a' } },
  evaluateEvery: '1h',
  policies: [{ name: 'look', mode: 'inform', objects: [{ apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q', namespace: 'shop' }, spec: { hard: { pods: '10' } } }] }],
};
const target = { name: 'rec-edge', provider: 'external' as const, region: 'external', agent: { taskQueue: agentTaskQueue('rec-edge'), offlineAfterMs: 90_000 } };
const look = { policy: 'look', missing: [], drifted: [], extra: [] };
const at = () => new Date().toISOString();

Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } } });
const env = await TestWorkflowEnvironment.createLocal({
  server: { executable: { type: 'existing-path', path: new Toolchain().temporal }, ip: '127.0.0.1', namespace: 'fleetflow', searchAttributes: ALL_SEARCH_ATTRIBUTES, ui: false, log: { format: 'pretty', level: 'error' } },
});
try {
  const main = await Worker.create({
    connection: env.nativeConnection,
    namespace: 'fleetflow',
    taskQueue: 'record',
    workflowsPath,
    activities: {
      listFleet: async () => [cluster('rec-core', { labels: { team: 'a' } }), cluster('rec-edge', { provider: 'external', labels: { team: 'a' } })],
      evaluatePolicyCompliance: async ({ clusters }: { clusters: string[] }): Promise<ClusterEvaluation[]> =>
        clusters.map((c) => (c === 'rec-edge'
          ? { cluster: c, reachable: false, reason: 'reached through its agent', policies: [], checkedAt: at(), throughAgent: target }
          : { cluster: c, reachable: true, checkedAt: at(), policies: [look] })),
      stubChild: async () => ({}),
    },
  });
  const agent = await Worker.create({
    connection: env.nativeConnection,
    namespace: 'fleetflow',
    taskQueue: target.agent.taskQueue,
    activities: {
      evaluateClusterPolicies: async (): Promise<ClusterEvaluation> => ({ cluster: 'rec-edge', reachable: true, checkedAt: at(), policies: [{ ...look, missing: ['ResourceQuota shop/q'] }] }),
    },
  });
  await agent.runUntil(
    main.runUntil(async () => {
      const h = await env.client.workflow.start('fleetPolicy', { workflowId: 'policy/rec-agent', taskQueue: 'record', args: [{ policy: spec }] });
      const v = await h.executeUpdate(evaluateFleetPolicy);
      if (v.matrix['rec-edge']?.look?.state !== 'NonCompliant') throw new Error(`the agent cluster was not evaluated on its agent: ${JSON.stringify(v.matrix)}`);
      await h.executeUpdate(deleteFleetPolicy, { args: [{ by: 'alice', reason: 'recorded' }] });
      await h.result();
    }),
  );
  execFileSync(join(here, 'record'), ['policy/rec-agent'], { stdio: 'inherit', env: { ...process.env, TEMPORAL_ADDRESS: env.address, TEMPORAL_NAMESPACE: 'fleetflow', TEMPORAL_CODEC_ENDPOINT: '' } });
} finally {
  await env.teardown();
}
