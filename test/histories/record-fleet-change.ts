// Records fleetChange histories for the replay tests, on a throwaway dev server. The workers run
// the bundle of test/workflows/fleet-change.test.ts: the real fleetChange and fleetDecommission,
// stubs for the one-cluster operations and the callbacks workflow (a parent's history holds
// only its children's starts and ends, so the replay of fleetChange does not depend on them).
//   node --import tsx test/histories/record-fleet-change.ts [LABEL...]
// writes change__rec__CHGREC-A.json (a gated one-cluster change, approved), change__rec__CHGREC-F.json
// (a provision that failed) and change__rec__CHGREC-P.json + its operation (a staged change whose
// prod gate was approved on the operation), recorded before operations told their change their
// gate in order (the patch change-reports-in-order), and change__rec__CHGREC-W.json + its
// operation (a two-stage wave whose prod gate was approved, recorded with that patch) here.
// change__rec__CHGREC-M.json: a gated one-cluster change that was sent a malformed changeEvent and
// operationGate while it waited (dropped, with the patch change-signals-checked), then approved.
// Labels (A F M P W) record only those: a history recorded before a patch is never recorded again.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { changeIdOf, type ChangeRequest, type ChangeView } from '../../src/domain/change/request.js';
import { Toolchain } from '../../src/host/toolchain.js';
import { getChange, approveChange } from '../../src/temporal/messages/change-queries.js';
import { changeEvent, operationGate } from '../../src/temporal/messages/change.js';
import { approveGate } from '../../src/temporal/messages/staged.js';
import { ALL_SEARCH_ATTRIBUTES } from '../../src/temporal/search-attributes.js';
import { cluster } from '../helpers/cluster-summaries.js';
import { testEncryptionPlugin } from '../helpers/test-encryption.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const workflowsPath = fileURLToPath(new URL('../workflows/fleet-change-workflows.ts', import.meta.url));
const base = { requestedBy: { kind: 'oidc' as const, subject: 'alice' }, inputHash: 'a'.repeat(64), callbacks: [{ url: 'http://127.0.0.1:9/hook', secret: 'sn' }] };
const ticket = (id: string) => ({ system: 'rec', id });
const requests: Record<string, ChangeRequest> = {
  A: { ...base, ticket: ticket('CHGREC-A'), type: 'upgradeCluster', input: { name: 'web-prod', version: '1.36' }, approval: { reason: 'it changes production environment prod', timeout: '1h' } },
  M: { ...base, ticket: ticket('CHGREC-M'), type: 'upgradeCluster', input: { name: 'web-prod', version: '1.36' }, approval: { reason: 'it changes production environment prod', timeout: '1h' } },
  F: { ...base, ticket: ticket('CHGREC-F'), type: 'provision', input: { spec: { name: 'edge-1', provider: 'local' } } },
  P: { ...base, ticket: ticket('CHGREC-P'), type: 'fleetDecommission', input: { selector: { matchLabels: { team: 'db' } }, reason: 'db retired' }, prodEnvironments: ['prod'] },
  W: {
    ...base,
    ticket: ticket('CHGREC-W'),
    type: 'upgradeWave',
    input: { targets: [{ selector: { matchLabels: { team: 'db' } }, version: '1.36' }], sequence: [{ name: 'dev', environments: ['dev'] }, { name: 'prod', environments: ['prod'] }], soak: '0s' },
    prodEnvironments: ['prod'],
  },
};
const only = process.argv.slice(2);
const inventory = [cluster('db-dev', { environment: 'dev', labels: { team: 'db' } }), cluster('db-prod', { environment: 'prod', labels: { team: 'db' } })];

async function until(read: () => Promise<ChangeView>, ok: (v: ChangeView) => boolean): Promise<ChangeView> {
  for (let i = 0; i < 300; i++) {
    const v = await read();
    if (ok(v)) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the change did not get there');
}

Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } } });
const env = await TestWorkflowEnvironment.createLocal({
  plugins: [testEncryptionPlugin],
  server: { executable: { type: 'existing-path', path: new Toolchain().temporal }, ip: '127.0.0.1', namespace: 'fleetflow', searchAttributes: ALL_SEARCH_ATTRIBUTES, ui: false, log: { format: 'pretty', level: 'error' } },
});
try {
  const activities = {
    stubCall: async (c: { workflow: string }) => (c.workflow === 'provisionCluster' ? { minutes: 0, fail: 'no capacity in region' } : { minutes: 0 }),
    listFleet: async () => inventory,
  };
  const worker = await Worker.create({ connection: env.nativeConnection, namespace: 'fleetflow', taskQueue: 'record', workflowsPath, activities });
  const ids: string[] = [];
  await worker.runUntil(async () => {
    for (const [label, req] of Object.entries(requests).filter(([l]) => !only.length || only.includes(l))) {
      const h = await env.client.workflow.start('fleetChange', { workflowId: changeIdOf(req.ticket), taskQueue: 'record', args: [req] });
      ids.push(h.workflowId);
      if (label === 'A' || label === 'M') {
        await until(() => h.query(getChange), (v) => v.state === 'WaitingForApproval');
        if (label === 'M') {
          await h.signal(changeEvent, null as never);
          await h.signal(operationGate, { gate: 5, at: 'now' } as never);
          await h.query(getChange); // answered once both were taken (and dropped)
        }
        await h.executeUpdate(approveChange, { args: [{ gate: 'change:before', by: 'oidc:bob', reason: 'CAB approved' }] });
      }
      if (label === 'P' || label === 'W') {
        const gate = label === 'P' ? 'decommission:before' : 'prod:before';
        const v = await until(() => h.query(getChange), (x) => x.waitingAt?.gate === gate);
        await env.client.workflow.getHandle(v.operationWorkflowId).executeUpdate(approveGate, { args: [{ gate, by: 'oidc:bob' }] });
        ids.push(v.operationWorkflowId);
      }
      console.log(`${h.workflowId}: ${JSON.stringify(await h.result())}`);
    }
  });
  execFileSync(join(here, 'record'), ids, { stdio: 'inherit', env: { ...process.env, TEMPORAL_ADDRESS: env.address, TEMPORAL_NAMESPACE: 'fleetflow', TEMPORAL_CODEC_ENDPOINT: '' } });
} finally {
  await env.teardown();
}
