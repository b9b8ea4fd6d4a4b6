// Records the first run of a fleetRollout that continues as new (120 clusters, maxHistoryEvents
// 300, every child stubbed by large-stage-workflows.ts) on a throwaway dev server: the run that
// asks patched('packed-carried-state') before it continues. Writes rollout__carried-state.json
// here (the first run only, exported with `temporal workflow show -r`).
//   node --import tsx test/histories/record-carried-state.ts
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { Toolchain } from '../../src/host/toolchain.js';
import { ALL_SEARCH_ATTRIBUTES } from '../../src/temporal/search-attributes.js';
import { cluster } from '../helpers/cluster-summaries.js';
import { testEncryptionPlugin } from '../helpers/test-encryption.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const id = 'rollout/carried-state';
const toolchain = new Toolchain();
Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } } });
const env = await TestWorkflowEnvironment.createLocal({
  plugins: [testEncryptionPlugin],
  server: { executable: { type: 'existing-path', path: toolchain.temporal }, ip: '127.0.0.1', namespace: 'fleetflow', searchAttributes: ALL_SEARCH_ATTRIBUTES, ui: false, log: { format: 'pretty', level: 'error' } },
});
try {
  const workflowBundle = await bundleWorkflowCode({ workflowsPath: join(here, 'large-stage-workflows.ts'), logger: new DefaultLogger('ERROR') });
  const fleet = Array.from({ length: 120 }, (_, i) => cluster(`c${String(i).padStart(3, '0')}`));
  const worker = await Worker.create({ connection: env.nativeConnection, namespace: 'fleetflow', taskQueue: 'record', workflowBundle, activities: { listFleet: async () => fleet } });
  const first = await worker.runUntil(async () => {
    const h = await env.client.workflow.start('fleetRollout', {
      workflowId: id,
      taskQueue: 'record',
      args: [{ selector: { environments: ['dev'] }, plan: { stages: [{ name: 'all', maxConcurrency: 10 }] }, bundle: { name: 'shop', revision: 'v2', manifests: [] }, maxHistoryEvents: 300 }],
    });
    console.log(`${id}: ${((await h.result()) as { message: string }).message}`);
    return h.firstExecutionRunId;
  });
  const json = execFileSync(toolchain.temporal, ['workflow', 'show', '--address', env.address, '--namespace', 'fleetflow', '-w', id, '-r', first, '--output', 'json'], { encoding: 'utf8' });
  writeFileSync(join(here, `${id.replaceAll('/', '__')}.json`), json);
  console.log(`${id} (first run ${first}) -> ${id.replaceAll('/', '__')}.json`);
} finally {
  await env.teardown();
}
