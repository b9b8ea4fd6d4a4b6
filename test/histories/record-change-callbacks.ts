// Records one changeCallbacks workflow for the replay tests, on a throwaway dev server with the
// real delivery activity and receivers on 127.0.0.1: a target that answers 500 twice before it
// takes events, a subscriber that wants only the end, and a target whose secret the worker
// lacks (given up at once); one event arrives after the terminal one and is dropped. Exports
// the history with test/histories/record:
//   node --import tsx test/histories/record-change-callbacks.ts LABEL
// writes change__servicenow__LABEL__callbacks.json here (LABEL: a ticket id, e.g. CHGREC1).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { changeCallbackActivities } from '../../activities/change-callbacks.js';
import { callbacksWorkflowIdOf, changeIdOf, type ChangeEvent } from '../../src/domain/change/request.js';
import { WebhooksConfigSchema } from '../../src/domain/change/webhooks-config.js';
import { Toolchain } from '../../src/host/toolchain.js';
import { ALL_SEARCH_ATTRIBUTES } from '../../src/temporal/search-attributes.js';
import { changeEvent } from '../../src/temporal/messages/change.js';
import { workflowBundleOptions, workflowsPath } from '../../workers/bundle.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';
import { testEncryptionPlugin } from '../helpers/test-encryption.js';

const [label] = process.argv.slice(2);
if (!label || !/^[A-Za-z0-9]+$/.test(label)) throw new Error('usage: record-change-callbacks.ts LABEL (LABEL: letters and digits, a ticket id)');

const here = fileURLToPath(new URL('.', import.meta.url));
const secret = () => `whsec_${randomBytes(32).toString('base64')}`;
const secrets = { sn: secret(), audit: secret() };
const ticket = { system: 'servicenow', id: label };
const changeId = changeIdOf(ticket);
const workflowId = callbacksWorkflowIdOf(changeId);
const events: ChangeEvent[] = [
  { type: 'accepted', at: '2026-05-01T10:00:00.000Z', data: {} },
  { type: 'waiting', at: '2026-05-01T10:00:05.000Z', data: { gate: 'prod:before' } },
  { type: 'stageFinished', at: '2026-05-01T10:20:00.000Z', data: { stage: 'canary' } },
  { type: 'succeeded', at: '2026-05-01T10:40:00.000Z', data: { message: 'rolled out to 3 clusters' } },
  { type: 'aborted', at: '2026-05-01T10:41:00.000Z', data: { message: 'too late: dropped' } },
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
const flaky = await WebhookReceiver.start({ secret: secrets.sn, failFirst: 2 });
const audit = await WebhookReceiver.start({ secret: secrets.audit });
try {
  const webhooks = WebhooksConfigSchema.parse({
    secrets: { sn: { env: 'SN' }, audit: { env: 'AUDIT' }, gone: { env: 'UNSET' } },
    callbackSecret: 'sn',
    systems: { lost: { callbackSecret: 'gone' } },
    allowedCallbackHosts: ['http://127.0.0.1:*'],
    subscribers: [{ name: 'audit', url: audit.url, secret: 'audit', events: ['succeeded', 'failed', 'rolledBack', 'aborted'] }],
  });
  const worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: 'fleetflow',
    taskQueue: 'record',
    workflowsPath,
    bundlerOptions: workflowBundleOptions,
    activities: changeCallbackActivities(webhooks, { env: { SN: secrets.sn, AUDIT: secrets.audit }, readFile: () => '' }),
  });
  await worker.runUntil(async () => {
    const handle = await env.client.workflow.start('changeCallbacks', {
      workflowId,
      taskQueue: 'record',
      args: [
        {
          changeId,
          ticket,
          targets: [
            { url: flaky.url, secret: 'sn' },
            { url: audit.url, secret: 'audit', events: ['succeeded', 'failed', 'rolledBack', 'aborted'] },
            { url: flaky.url, secret: 'gone' },
          ],
          delivery: { initialInterval: '1s', maximumInterval: '2s', giveUpAfter: '1m' },
        },
      ],
    });
    for (const e of events) await handle.signal(changeEvent, e);
    console.log(`${workflowId}: ${JSON.stringify(await handle.result())}`);
  });
  execFileSync(join(here, 'record'), [workflowId], { stdio: 'inherit', env: { ...process.env, TEMPORAL_ADDRESS: env.address, TEMPORAL_NAMESPACE: 'fleetflow', TEMPORAL_CODEC_ENDPOINT: '' } });
} finally {
  await flaky.close();
  await audit.close();
  await env.teardown();
}
