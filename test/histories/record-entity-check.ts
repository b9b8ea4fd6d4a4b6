// Records a cluster entity that is asked to check now (the checkClusterNow signal a fleet policy
// sends when an enforced policy drifted), on a throwaway dev server, with the real workflow
// bundle and stub activities: the entity starts Active with an auto-reconciled bundle and a
// 24 h interval, the signal makes it check at once, the drift check finds drift and it re-applies.
//   node --import tsx test/histories/record-entity-check.ts
// writes cluster__rec-check.json.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { newClusterState } from '../../src/domain/cluster/lifecycle.js';
import { ClusterSpecSchema } from '../../src/domain/cluster/spec.js';
import type { ClusterState } from '../../src/domain/cluster/state.js';
import { Toolchain } from '../../src/host/toolchain.js';
import { checkClusterNow } from '../../src/temporal/messages/cluster-check.js';
import { getClusterState } from '../../src/temporal/messages/cluster.js';
import { ALL_SEARCH_ATTRIBUTES } from '../../src/temporal/search-attributes.js';
import { workflowsPath } from '../../workers/bundle.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const spec = ClusterSpecSchema.parse({ name: 'rec-check', provider: 'local', healthCheckInterval: '24h' });
const at = new Date().toISOString();
const state: ClusterState = {
  ...newClusterState(spec, at),
  phase: 'Active',
  health: { status: 'Healthy', reasons: [], checkedAt: at },
  bundles: [{ name: 'policy-rec-guard', revision: 'p-1', appliedAt: at, autoReconcile: true, previous: [] }],
};

Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } } });
const env = await TestWorkflowEnvironment.createLocal({
  server: { executable: { type: 'existing-path', path: new Toolchain().temporal }, ip: '127.0.0.1', namespace: 'fleetflow', searchAttributes: ALL_SEARCH_ATTRIBUTES, ui: false, log: { format: 'pretty', level: 'error' } },
});
try {
  const activities = {
    checkClusterHealth: async () => ({ status: 'Healthy', reasons: [], checkedAt: new Date().toISOString() }),
    checkBundleDrift: async () => ({ checkedAt: new Date().toISOString(), status: 'Drifted', missing: 1, drifted: 0, toPrune: 0, details: ['RoleBinding a/x: missing'] }),
    applyStoredRevision: async () => ({ bundle: 'policy-rec-guard', revision: 'p-1', objects: [], counts: { created: 1, configured: 0, unchanged: 0, pruned: 0 } }),
  };
  const worker = await Worker.create({ connection: env.nativeConnection, namespace: 'fleetflow', taskQueue: 'record', workflowsPath, activities });
  await worker.runUntil(async () => {
    const h = await env.client.workflow.start('clusterEntity', { workflowId: 'cluster/rec-check', taskQueue: 'record', args: [{ spec, state }] });
    await h.signal(checkClusterNow);
    for (let i = 0; ; i++) {
      const s = await h.query(getClusterState);
      if (s.history.some((op) => op.type === 'reconcile' && op.status === 'Succeeded')) break;
      if (i > 100) throw new Error('the entity did not reconcile');
      await new Promise((r) => setTimeout(r, 100));
    }
    await h.terminate('recorded');
  });
  execFileSync(join(here, 'record'), ['cluster/rec-check'], { stdio: 'inherit', env: { ...process.env, TEMPORAL_ADDRESS: env.address, TEMPORAL_NAMESPACE: 'fleetflow' } });
} finally {
  await env.teardown();
}
