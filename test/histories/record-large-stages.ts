// Records one upgradeWave, one fleetRollout and one fleetDecommission whose single stage starts
// 30 clusters at once (more than the 25 the stage runner starts per workflow task), on a
// throwaway dev server, with every child stubbed (large-stage-workflows.ts), and exports their
// histories with test/histories/record:
//   node --import tsx test/histories/record-large-stages.ts LABEL [TREE]
// writes upgrade-wave__stage-of-30-LABEL.json, rollout__stage-of-30-LABEL.json and
// fleet-decommission__stage-of-30-LABEL.json here. TREE (default: this clone) is the checkout
// whose workflows/ is recorded, e.g. an older release unpacked with `git archive`; the stub
// bundle is copied into it.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { repoDir, Toolchain } from '../../src/host/toolchain.js';
import { ALL_SEARCH_ATTRIBUTES } from '../../src/temporal/search-attributes.js';
import { cluster } from '../helpers/cluster-summaries.js';
import { testEncryptionPlugin } from '../helpers/test-encryption.js';

const [label, tree = repoDir] = process.argv.slice(2);
if (!label || !/^[a-z0-9-]+$/.test(label)) throw new Error('usage: record-large-stages.ts LABEL [TREE] (LABEL: lowercase letters, digits and "-")');

const CLUSTERS = 30;
const here = fileURLToPath(new URL('.', import.meta.url));
const stubs = join(resolve(tree), 'test', 'histories', 'large-stage-workflows.ts');
if (resolve(tree) !== resolve(repoDir)) {
  mkdirSync(join(resolve(tree), 'test', 'histories'), { recursive: true });
  copyFileSync(join(here, 'large-stage-workflows.ts'), stubs);
}

// Each workflow type with its id and an input whose one stage starts every cluster at once,
// with no soak and no approval gate.
const runs = [
  {
    type: 'upgradeWave',
    id: `upgrade-wave/stage-of-30-${label}`,
    input: { targets: [{ selector: { environments: ['dev'] }, version: '1.36' }], sequence: [{ name: 'dev', environments: ['dev'] }], soak: '0s', maxConcurrency: '100%' },
  },
  {
    type: 'fleetRollout',
    id: `rollout/stage-of-30-${label}`,
    input: { selector: { environments: ['dev'] }, plan: { stages: [{ name: 'all', maxConcurrency: '100%' }] }, bundle: { name: 'shop', revision: 'v2', manifests: [] } },
  },
  {
    type: 'fleetDecommission',
    id: `fleet-decommission/stage-of-30-${label}`,
    input: { selector: { environments: ['dev'] }, reason: 'recorded for the replay tests', requestedBy: 'recorder', maxConcurrency: CLUSTERS },
  },
];

Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } } });
const env = await TestWorkflowEnvironment.createLocal({
  plugins: [testEncryptionPlugin],
  server: {
    executable: { type: 'existing-path', path: new Toolchain().temporal },
    ip: '127.0.0.1',
    namespace: 'fleetflow',
    searchAttributes: ALL_SEARCH_ATTRIBUTES,
    ui: false,
    log: { format: 'pretty', level: 'error' },
  },
});
try {
  const workflowBundle = await bundleWorkflowCode({ workflowsPath: stubs, logger: new DefaultLogger('ERROR') });
  const fleet = Array.from({ length: CLUSTERS }, (_, i) => cluster(`c${String(i).padStart(2, '0')}`));
  const worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: 'fleetflow',
    taskQueue: 'record',
    workflowBundle,
    activities: { listFleet: async () => fleet },
  });
  await worker.runUntil(async () => {
    for (const r of runs) {
      const result = await env.client.workflow.execute(r.type, { workflowId: r.id, taskQueue: 'record', args: [r.input] });
      console.log(`${r.id}: ${(result as { message: string }).message}`);
    }
  });
  execFileSync(join(here, 'record'), runs.map((r) => r.id), { stdio: 'inherit', env: { ...process.env, TEMPORAL_ADDRESS: env.address, TEMPORAL_NAMESPACE: 'fleetflow', TEMPORAL_CODEC_ENDPOINT: '' } });
} finally {
  await env.teardown();
}
