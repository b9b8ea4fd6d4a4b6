import { fileURLToPath } from 'node:url';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes.js';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime, type WorkflowBundle } from '@temporalio/worker';
import { Toolchain } from '../../src/host/toolchain.js';
import { ALL_SEARCH_ATTRIBUTES } from '../../src/temporal/search-attributes.js';
import { workflowBundleOptions } from '../../workers/bundle.js';
import { testEncryptionPlugin } from './test-encryption.js';

/**
 * The time-skipping test server (the installed binary, never the SDK's download) and the
 * workflow bundle built from `workflows` (a path or a file URL), with the SDK's logs at ERROR.
 * Call once per test file (the runtime is per process); tear `env` down in afterAll. The
 * environment's client and every Worker made on its connection encrypt with the test key.
 */
export async function timeSkipping(workflows: string | URL): Promise<{ env: TestWorkflowEnvironment; workflowBundle: WorkflowBundle }> {
  Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } } });
  const env = await TestWorkflowEnvironment.createTimeSkipping({ plugins: [testEncryptionPlugin], server: { executable: { type: 'existing-path', path: new Toolchain().temporalTestServer } } });
  const workflowsPath = workflows instanceof URL ? fileURLToPath(workflows) : workflows;
  const workflowBundle = await bundleWorkflowCode({ workflowsPath, ...workflowBundleOptions, logger: new DefaultLogger('ERROR') });
  return { env, workflowBundle };
}

/** Registers Fleetflow's search attributes on the test server: the cluster entity upserts them. */
export async function addSearchAttributes(env: TestWorkflowEnvironment): Promise<void> {
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(ALL_SEARCH_ATTRIBUTES.map((k) => [k.name, encodeSearchAttributeIndexedValueType(k.type)!])),
  });
}
