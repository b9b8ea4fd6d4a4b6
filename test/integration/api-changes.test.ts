import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { Client, WithStartWorkflowOperation, WorkflowNotFoundError } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { createApi } from '../../src/api/app.js';
import { serveApi, type ServedApi } from '../../src/api/server.js';
import { AccessPolicySchema } from '../../src/domain/auth/policy.js';
import { CLUSTER_ENTITY_TYPE, clusterEntityId, entitySummary } from '../../src/domain/cluster/inventory.js';
import { ClusterSpecSchema, type ClusterSpecInput } from '../../src/domain/cluster/spec.js';
import { WebhooksConfigSchema } from '../../src/domain/change/webhooks-config.js';
import { ProviderRegistry } from '../../src/providers/registry.js';
import { registerCluster } from '../../src/temporal/messages/cluster.js';
import { SA } from '../../src/temporal/search-attributes.js';
import { readStartArgs } from '../../src/temporal/workflow-input.js';
import { eventually, FleetTestEnv, NAMESPACE } from '../helpers/fleet-env.js';
import { staticTokenAuth, tokenHash } from '../helpers/static-token-auth.js';
import { apiErrorsToConsole } from '../helpers/api-logger.js';

// The API over real HTTP against a real Temporal dev server and real cluster entities: opening
// changes exactly once, conflicts, authorization on the inventory's environments, gates with
// four eyes and delegation, listing, the inventory.

const TOKENS = ['operator', 'viewer', 'dev-viewer', 'prod-operator', 'approver', 'admin', 'change-system'] as const;
type Who = (typeof TOKENS)[number];
const access = AccessPolicySchema.parse({
  tokens: TOKENS.map((name) => ({ name, hash: tokenHash(`${name}-secret`) })),
  roles: [{ name: 'dev-viewer', permissions: [{ operations: ['view'], environments: ['dev'] }] }],
  bindings: [
    { role: 'operator', tokens: ['operator', 'change-system'] },
    { role: 'viewer', tokens: ['viewer'] },
    { role: 'dev-viewer', tokens: ['dev-viewer'] },
    { role: 'prod-operator', tokens: ['prod-operator'] },
    { role: 'approver', tokens: ['approver'] },
    { role: 'admin', tokens: ['admin'] },
    // The change system opens prod changes and approves their gates when they are delegated to it.
    { role: 'prod-operator', tokens: ['change-system'] },
    { role: 'approver', tokens: ['change-system'] },
  ],
  delegatedApprovers: ['token:change-system'],
});

// Callbacks: the change system's URL on 127.0.0.1 is allowed and signed with a secret from the environment.
process.env.FLEETFLOW_TEST_WEBHOOK_SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const webhooks = WebhooksConfigSchema.parse({
  secrets: { servicenow: { env: 'FLEETFLOW_TEST_WEBHOOK_SECRET' } },
  systems: { servicenow: { callbackSecret: 'servicenow' } },
  allowedCallbackHosts: ['http://127.0.0.1:*'],
});
const received: { id: string; body: { type: string } }[] = [];
let receiver: Server;

let fleet: FleetTestEnv;
let worker: Worker;
let running: Promise<void>;
let api: ServedApi;
let taskQueue: string;

const spec = (name: string, environment: string): ClusterSpecInput => ({ name, provider: 'local', environment, labels: { team: 'web' } });

beforeAll(async () => {
  fleet = await FleetTestEnv.create();
  taskQueue = fleet.newTaskQueue();
  worker = await Worker.create({
    connection: fleet.env.nativeConnection,
    namespace: NAMESPACE,
    taskQueue,
    workflowBundle: fleet.bundle,
    activities: createActivities({ client: fleet.client, providers: new ProviderRegistry([fleet.local]), webhooks }),
  });
  running = worker.run();
  // The inventory: two registered clusters (registered is enough for the policy: it reads their environments).
  for (const s of [spec('web-dev-1', 'dev'), spec('web-prod-1', 'prod')]) {
    const parsed = ClusterSpecSchema.parse(s);
    await fleet.client.workflow.executeUpdateWithStart(registerCluster, {
      args: [s],
      startWorkflowOperation: new WithStartWorkflowOperation(CLUSTER_ENTITY_TYPE, { workflowId: clusterEntityId(s.name), taskQueue, args: [{ spec: s }], workflowIdConflictPolicy: 'USE_EXISTING', staticSummary: entitySummary(parsed) }),
    });
  }
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ id: String(req.headers['webhook-id']), body: JSON.parse(body) });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  api = await serveApi(
    createApi({ client: fleet.client, namespace: NAMESPACE, taskQueue, access, webhooks, authenticate: staticTokenAuth(access), uiBaseUrl: 'http://127.0.0.1:8233', logger: apiErrorsToConsole }),
    { address: '127.0.0.1:0' },
  );
});

afterAll(async () => {
  await api?.close();
  await new Promise((r) => receiver?.close(r));
  worker?.shutdown();
  await running;
  await fleet?.teardown();
});

const headers = (who: Who, extra: Record<string, string> = {}) => ({ authorization: `Bearer ${who}-secret`, 'content-type': 'application/json', ...extra });
const post = (who: Who, path: string, body: unknown, extra: Record<string, string> = {}) => fetch(`${api.url}${path}`, { method: 'POST', headers: headers(who, extra), body: JSON.stringify(body) });
const get = (who: Who, path: string) => fetch(`${api.url}${path}`, { headers: headers(who) });
const read = async (res: Response) => ({ status: res.status, body: (await res.json()) as Record<string, any>, location: res.headers.get('location') });

const upgrade = (id: string, name: string, version = '1.36', extra: Record<string, unknown> = {}) => ({ type: 'upgradeCluster', ticket: { system: 'servicenow', id }, input: { name, version }, ...extra });

/** True when no workflow of that id exists: a refused request started nothing (exact, unlike visibility). */
async function nothingStarted(workflowId: string): Promise<boolean> {
  try {
    await fleet.client.workflow.getHandle(workflowId).describe();
    return false;
  } catch (e) {
    if (e instanceof WorkflowNotFoundError) return true;
    throw e;
  }
}

describe('opening a change', () => {
  it('answers 201 with Location, then the change with its state, requester and Temporal link', async () => {
    const created = await read(await post('operator', '/v1/changes', upgrade('CHG-100', 'web-dev-1', '1.36', { input: { name: 'web-dev-1', version: '1.36', requestedBy: 'someone else' } })));
    expect(created.status).toBe(201);
    expect(created.location).toBe('/v1/changes/servicenow/CHG-100');
    expect(created.body).toMatchObject({ id: 'servicenow/CHG-100', workflowId: 'change/servicenow/CHG-100', type: 'upgradeCluster', state: 'Accepted', requestedBy: 'token:operator' });
    expect(created.body.links.temporalUi).toMatch(/^http:\/\/127\.0\.0\.1:8233\/namespaces\/fleetflow\/workflows\/change%2Fservicenow%2FCHG-100\/[0-9a-f-]+\/history$/);
    const got = await read(await get('viewer', '/v1/changes/servicenow/CHG-100'));
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ id: 'servicenow/CHG-100', ticket: { system: 'servicenow', id: 'CHG-100' }, requestedBy: 'token:operator' });
    // The workflow got the principal, never a name from the body, as the input's requestedBy.
    const desc = await fleet.client.workflow.getHandle('change/servicenow/CHG-100').describe();
    expect(desc.memo).toMatchObject({ ticket: { system: 'servicenow', id: 'CHG-100' }, requestedBy: 'token:operator', scope: { environments: ['dev'], clusters: ['web-dev-1'] } });
    expect(desc.typedSearchAttributes.get(SA.ticket)).toBe('servicenow/CHG-100');
    expect(desc.typedSearchAttributes.get(SA.requestedBy)).toBe('token:operator');
    const [request] = (await readStartArgs(fleet.client, 'change/servicenow/CHG-100'))!.args as [{ input: { requestedBy: string } }];
    expect(request.input.requestedBy).toBe('token:operator');
  });

  it('starts exactly one workflow for 20 concurrent requests of one ticket: one 201, nineteen 200', async () => {
    const answers = await Promise.all(Array.from({ length: 20 }, () => post('operator', '/v1/changes', upgrade('CHG-200', 'web-dev-1')).then(read)));
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 200)).toHaveLength(19);
    expect(new Set(answers.map((a) => a.body.links.temporalUi)).size).toBe(1);
    const count = await eventually(
      () => fleet.client.workflow.count(`WorkflowType = 'fleetChange' AND FleetTicket = 'servicenow/CHG-200'`),
      (c) => c.count >= 1,
    );
    expect(count.count).toBe(1);
  });

  it('asks the change once for concurrent repeats while its first workflow task waits (the server buffers one query per workflow)', async () => {
    // The server refuses every query but one (RESOURCE_EXHAUSTED, retried by the client after
    // 1 s, 1.7 s, ... up to ~40 s) while a workflow task is pending: concurrent repeats must share one.
    const id = 'change/servicenow/CHG-210';
    let described = 0;
    let queried = 0;
    let allDescribed!: () => void;
    const described19 = new Promise<void>((r) => (allDescribed = r));
    const counted = new Client({
      connection: fleet.client.connection,
      namespace: NAMESPACE,
      interceptors: {
        workflow: [
          {
            async describe(input, next) {
              const d = await next(input);
              if (input.workflowExecution.workflowId === id && ++described === 19) allDescribed();
              return d;
            },
            query(input, next) {
              if (input.workflowExecution.workflowId === id) queried++;
              return next(input);
            },
          },
        ],
      },
    });
    const queue = fleet.newTaskQueue();
    const idle = await serveApi(createApi({ client: counted, namespace: NAMESPACE, taskQueue: queue, access, authenticate: staticTokenAuth(access), uiBaseUrl: 'http://x', limits: { repeatAnswerMs: 120_000 }, logger: apiErrorsToConsole }), { address: '127.0.0.1:0' });
    try {
      const open = () => fetch(`${idle.url}/v1/changes`, { method: 'POST', headers: headers('operator'), body: JSON.stringify(upgrade('CHG-210', 'web-dev-1')) }).then(read);
      // Started, and no worker polls its queue yet: its first workflow task waits.
      expect((await open()).status).toBe(201);
      const repeats = Promise.all(Array.from({ length: 19 }, open));
      // Every repeat has read the change's description and asked for its view; then a worker comes.
      await described19;
      await new Promise((r) => setTimeout(r, 0));
      // The worker stays until the change has ended, so that no operation of web-dev-1 is left
      // without a worker (it would hold the cluster's operation id for the tests after this one).
      const answers = await fleet.withWorker(queue, async () => {
        const all = await repeats;
        await fleet.client.workflow.getHandle(id).result();
        return all;
      });
      expect(answers.map((a) => a.status)).toEqual(Array(19).fill(200));
      // Answered by the change itself (a view rebuilt from its start record has no operation yet).
      expect(answers.every((a) => a.body.operationWorkflowId === 'upgrade/web-dev-1')).toBe(true);
      expect(queried).toBe(1);
    } finally {
      await idle.close();
    }
  });

  it('answers 200 with the existing change to a repeat from another principal, and 409 naming the field to another input', async () => {
    expect((await post('admin', '/v1/changes', upgrade('CHG-300', 'web-dev-1'))).status).toBe(201);
    const again = await read(await post('operator', '/v1/changes', upgrade('CHG-300', 'web-dev-1')));
    expect(again.status).toBe(200);
    expect(again.body.requestedBy).toBe('token:admin');
    // A repeat is still a request to start it: a principal that may not is refused, not shown the change.
    expect((await read(await post('viewer', '/v1/changes', upgrade('CHG-300', 'web-dev-1')))).body).toMatchObject({ status: 403, failureType: 'NotPermitted' });
    const other = await read(await post('admin', '/v1/changes', upgrade('CHG-300', 'web-dev-1', '1.37')));
    expect(other.status).toBe(409);
    expect(other.body).toMatchObject({ failureType: 'ChangeConflict', errors: [{ path: 'input.version', message: 'differs from the change this ticket already has' }] });
    expect(other.body.detail).toBe('change servicenow/CHG-300 exists with another input: input.version differs; use a new ticket (or Idempotency-Key) for another change');
  });

  it('never runs a closed change again: a repeat after it ended is 200, not a new run', async () => {
    expect((await post('operator', '/v1/changes', upgrade('CHG-350', 'web-dev-1'))).status).toBe(201);
    // It runs and ends by itself (the cluster is only registered, so its upgrade is refused at
    // once); terminating it instead would race that end.
    expect((await get('operator', '/v1/changes/servicenow/CHG-350')).status).toBe(200);
    const handle = fleet.client.workflow.getHandle('change/servicenow/CHG-350');
    const { runId } = await handle.describe();
    await handle.result();
    const again = await read(await post('operator', '/v1/changes', upgrade('CHG-350', 'web-dev-1')));
    expect(again.status).toBe(200);
    expect((await handle.describe()).runId).toBe(runId);
  });

  it('reports a change that closed before it ever ran from what its start recorded', async () => {
    // No worker polls this queue: the change is started and never runs a task.
    const idle = await serveApi(createApi({ client: fleet.client, namespace: NAMESPACE, taskQueue: fleet.newTaskQueue(), access, authenticate: staticTokenAuth(access), uiBaseUrl: 'http://127.0.0.1:8233', logger: apiErrorsToConsole }), { address: '127.0.0.1:0' });
    try {
      const open = () => fetch(`${idle.url}/v1/changes`, { method: 'POST', headers: headers('operator'), body: JSON.stringify(upgrade('CHG-360', 'web-dev-1')) });
      expect((await open()).status).toBe(201);
      await fleet.client.workflow.getHandle('change/servicenow/CHG-360').terminate('never ran');
      const again = await read(await open());
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ id: 'servicenow/CHG-360', state: 'Aborted', requestedBy: 'token:operator', outcome: { message: "the change's workflow was terminated before it ran" } });
    } finally {
      await idle.close();
    }
  });

  it('answers a repeat from the change’s start record when no worker runs it (a retry never waits on workers)', async () => {
    const idle = await serveApi(createApi({ client: fleet.client, namespace: NAMESPACE, taskQueue: fleet.newTaskQueue(), access, authenticate: staticTokenAuth(access), uiBaseUrl: 'http://x', limits: { repeatAnswerMs: 300 }, logger: apiErrorsToConsole }), { address: '127.0.0.1:0' });
    try {
      const open = () => fetch(`${idle.url}/v1/changes`, { method: 'POST', headers: headers('operator'), body: JSON.stringify(upgrade('CHG-370', 'web-dev-1')) });
      expect((await open()).status).toBe(201);
      const again = await read(await open());
      expect(again).toMatchObject({ status: 200, body: { id: 'servicenow/CHG-370', state: 'Accepted', requestedBy: 'token:operator', delegated: false } });
    } finally {
      await idle.close();
    }
  });

  it('names a change by its Idempotency-Key when the caller has no ticket', async () => {
    const body = { type: 'upgradeCluster', input: { name: 'web-dev-1', version: '1.36' } };
    const first = await read(await post('operator', '/v1/changes', body, { 'idempotency-key': 'b2f7c1d0-key' }));
    expect(first).toMatchObject({ status: 201, location: '/v1/changes/idempotency-key/b2f7c1d0-key' });
    expect((await post('operator', '/v1/changes', body, { 'idempotency-key': 'b2f7c1d0-key' })).status).toBe(200);
  });
});

describe('authorization on what the change touches, read from the inventory', () => {
  it('refuses a principal whose role does not cover the cluster’s environment, and starts nothing', async () => {
    const viewer = await read(await post('viewer', '/v1/changes', upgrade('CHG-400', 'web-dev-1')));
    expect(viewer).toMatchObject({ status: 403, body: { failureType: 'NotPermitted' } });
    expect(viewer.body.detail).toBe('token:viewer (roles: viewer) may not start upgradeCluster on cluster web-dev-1 (environment dev): no permission grants upgradeCluster there');
    const prod = await read(await post('operator', '/v1/changes', upgrade('CHG-401', 'web-prod-1')));
    expect(prod.status).toBe(403);
    expect(prod.body.detail).toContain('may not start upgradeCluster on cluster web-prod-1 (environment prod)');
    expect(await nothingStarted('change/servicenow/CHG-400')).toBe(true);
    expect(await nothingStarted('change/servicenow/CHG-401')).toBe(true);
  });

  it('refuses a provision into prod by its spec’s environment, whatever the caller may do elsewhere', async () => {
    const res = await read(await post('operator', '/v1/changes', { type: 'provision', ticket: { system: 'jira', id: 'OPS-1' }, input: { spec: spec('web-prod-2', 'prod') } }));
    expect(res.status).toBe(403);
    expect(res.body.detail).toContain('may not start provision on cluster web-prod-2 (environment prod)');
  });

  it('answers 404 for a cluster the inventory does not have, and 422 for a selector that matches nothing', async () => {
    const missing = await read(await post('admin', '/v1/changes', upgrade('CHG-402', 'web-nowhere')));
    expect(missing).toMatchObject({ status: 404, body: { failureType: 'ClusterNotFound', detail: 'cluster web-nowhere is not in the inventory' } });
    const none = await read(await post('admin', '/v1/changes', { type: 'fleetDecommission', ticket: { system: 'jira', id: 'OPS-2' }, input: { selector: { matchLabels: { team: 'nobody' } }, reason: 'retire' } }));
    expect(none).toMatchObject({ status: 422, body: { failureType: 'NothingSelected' } });
    expect(await nothingStarted('change/jira/OPS-2')).toBe(true);
  });

  it('lets a principal view only changes in environments it may view', async () => {
    expect((await get('dev-viewer', '/v1/changes/servicenow/CHG-100')).status).toBe(200);
    expect((await post('prod-operator', '/v1/changes', upgrade('CHG-403', 'web-prod-1'))).status).toBe(201);
    const denied = await read(await get('dev-viewer', '/v1/changes/servicenow/CHG-403'));
    expect(denied.status).toBe(403);
    expect((await read(await get('viewer', '/v1/changes/servicenow/nope'))).body.failureType).toBe('ChangeUnknown');
  });
});

describe('gates: the policy’s, four eyes, delegation', () => {
  it('puts a prod change at its gate whatever the input says; its requester cannot approve it, another person can', async () => {
    const opened = await read(await post('admin', '/v1/changes', upgrade('CHG-500', 'web-prod-1')));
    expect(opened.status).toBe(201);
    const waiting = await eventually(() => get('viewer', '/v1/changes/servicenow/CHG-500').then(read), (r) => r.body.state === 'WaitingForApproval');
    expect(waiting.body).toMatchObject({ waitingAt: { gate: 'change:before' }, delegated: false });
    const self = await read(await post('admin', '/v1/changes/servicenow/CHG-500/approve', { reason: 'looks fine' }));
    expect(self).toMatchObject({ status: 403, body: { failureType: 'NotPermitted', fourEyes: true } });
    expect(self.body.detail).toBe('token:admin requested this change and may not approve its gate on prod: a second person must approve (four eyes)');
    // Who approves is the principal: a body that says otherwise is refused.
    const forged = await read(await post('approver', '/v1/changes/servicenow/CHG-500/approve', { reason: 'CAB approved', by: 'oidc:ceo' }));
    expect(forged).toMatchObject({ status: 400, body: { errors: [{ path: 'by', message: 'is not a field here' }] } });
    const approved = await read(await post('approver', '/v1/changes/servicenow/CHG-500/approve', { reason: 'CAB approved' }));
    expect(approved.status).toBe(200);
    expect(approved.body.audit).toEqual([expect.objectContaining({ action: 'approve', by: 'token:approver', reason: 'CAB approved', detail: 'change:before' })]);
    // The gate is passed: nothing waits to be approved, and when a gate is named the workflow's validator refuses it.
    const twice = await read(await post('approver', '/v1/changes/servicenow/CHG-500/approve', {}));
    expect(twice).toMatchObject({ status: 409, body: { failureType: 'OperatorActionRefused', detail: 'the change waits at no gate: there is nothing to approve' } });
    const named = await read(await post('approver', '/v1/changes/servicenow/CHG-500/approve', { gate: 'change:before' }));
    expect(named.status).toBe(409);
    expect(named.body).toMatchObject({ failureType: 'OperatorActionRefused', detail: expect.stringMatching(/^approve refused: the change is (Running|Failed|Succeeded), not waiting for approval$/) });
  });

  it('refuses actions a one-cluster change does not have', async () => {
    const res = await read(await post('admin', '/v1/changes/servicenow/CHG-100/pause', { reason: 'x' }));
    expect(res).toMatchObject({ status: 409, body: { failureType: 'OperatorActionRefused', detail: 'a upgradeCluster change acts on one cluster: it can be approved or aborted, not paused' } });
  });

  it('lets only the change system approve a gate delegated to it', async () => {
    const opened = await read(await post('change-system', '/v1/changes', upgrade('CHG-600', 'web-dev-1', '1.36', { approval: { by: 'change-system' } })));
    expect(opened.status).toBe(201);
    const waiting = await eventually(() => get('viewer', '/v1/changes/servicenow/CHG-600').then(read), (r) => r.body.state === 'WaitingForApproval');
    expect(waiting.body).toMatchObject({ delegated: true, waitingAt: { gate: 'change:before', reason: 'approved by the change system that opened it (token:change-system)' } });
    const other = await read(await post('operator', '/v1/changes/servicenow/CHG-600/approve', { reason: 'me too' }));
    expect(other).toMatchObject({ status: 403, body: { failureType: 'NotPermitted' } });
    expect(other.body.detail).toBe('the gates of this change are delegated to the change system that opened it (token:change-system): it approves them, after its own approval');
    const own = await read(await post('change-system', '/v1/changes/servicenow/CHG-600/approve', { reason: 'Implement' }));
    expect(own.status).toBe(200);
    expect(own.body.audit).toEqual([expect.objectContaining({ by: 'token:change-system', reason: 'Implement' })]);
  });

  it('lets a trusted change system approve the prod gate of its own delegated change, and refuses delegation to anyone else', async () => {
    const untrusted = await read(await post('admin', '/v1/changes', upgrade('CHG-601', 'web-prod-1', '1.36', { approval: { by: 'change-system' } })));
    expect(untrusted).toMatchObject({ status: 403, body: { failureType: 'NotPermitted', detail: 'token:admin may not open a change whose gates it approves itself: only the change systems in access.delegatedApprovers may' } });
    expect(await nothingStarted('change/servicenow/CHG-601')).toBe(true);
    expect((await read(await post('change-system', '/v1/changes', upgrade('CHG-602', 'web-prod-1', '1.36', { approval: { by: 'change-system' } })))).status).toBe(201);
    await eventually(() => get('viewer', '/v1/changes/servicenow/CHG-602').then(read), (r) => r.body.state === 'WaitingForApproval');
    expect((await read(await post('approver', '/v1/changes/servicenow/CHG-602/approve', {}))).status).toBe(403);
    const own = await read(await post('change-system', '/v1/changes/servicenow/CHG-602/approve', { reason: 'CHG approved by the CAB' }));
    expect(own.status).toBe(200);
    expect(own.body.audit).toEqual([expect.objectContaining({ action: 'approve', by: 'token:change-system' })]);
  });
});

describe('callbacks', () => {
  it("sends the change's events to its callbackUrl and shows each delivery", async () => {
    const callbackUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/fleetflow`;
    expect((await post('change-system', '/v1/changes', upgrade('CHG-700', 'web-dev-1', '1.36', { callbackUrl }))).status).toBe(201);
    const done = await eventually(() => get('viewer', '/v1/changes/servicenow/CHG-700').then(read), (r) => r.body.deliveries?.some((d: { type: string; state: string }) => d.type === 'accepted' && d.state === 'delivered'), 60_000);
    expect(done.body.deliveries[0]).toMatchObject({ type: 'accepted', url: callbackUrl, target: 0, state: 'delivered', webhookId: expect.any(String) });
    expect(received.map((r) => r.body.type)).toContain('accepted');
  });

  it('refuses a callbackUrl the config does not allow, starting nothing', async () => {
    const res = await read(await post('change-system', '/v1/changes', upgrade('CHG-701', 'web-dev-1', '1.36', { callbackUrl: 'http://169.254.169.254/latest' })));
    expect(res).toMatchObject({ status: 422, body: { failureType: 'CallbackNotAllowed', errors: [{ path: 'callbackUrl' }] } });
    expect(res.body.detail).toBe('callbackUrl: http://169.254.169.254 matches no pattern of webhooks.allowedCallbackHosts');
    expect(await nothingStarted('change/servicenow/CHG-701')).toBe(true);
  });
});

describe('listing', () => {
  it('lists changes by ticket, type and state, a page at a time, leaving out what the caller may not view', async () => {
    const byTicket = await eventually(() => get('viewer', '/v1/changes?ticket=servicenow/CHG-300').then(read), (r) => r.body.changes.length === 1);
    expect(byTicket.body.changes[0]).toMatchObject({ id: 'servicenow/CHG-300', type: 'upgradeCluster', requestedBy: 'token:admin', links: { self: '/v1/changes/servicenow/CHG-300' } });
    // Pages of a set that does not move: three changes no worker ever runs (they stay Accepted).
    const idle = await serveApi(createApi({ client: fleet.client, namespace: NAMESPACE, taskQueue: fleet.newTaskQueue(), access, authenticate: staticTokenAuth(access), uiBaseUrl: 'http://x', logger: apiErrorsToConsole }), { address: '127.0.0.1:0' });
    try {
      for (const id of ['CHG-801', 'CHG-802', 'CHG-803']) {
        expect((await fetch(`${idle.url}/v1/changes`, { method: 'POST', headers: headers('prod-operator'), body: JSON.stringify(upgrade(id, 'web-dev-1')) })).status).toBe(201);
      }
    } finally {
      await idle.close();
    }
    const filter = 'requestedBy=token:prod-operator&state=Accepted';
    await eventually(() => get('viewer', `/v1/changes?${filter}`).then(read), (r) => r.body.changes.length === 3);
    const first = await read(await get('viewer', `/v1/changes?${filter}&pageSize=2`));
    const second = await read(await get('viewer', `/v1/changes?${filter}&pageSize=2&pageToken=${first.body.nextPageToken}`));
    const ids = [...first.body.changes, ...second.body.changes].map((c: { id: string }) => c.id);
    expect(ids).toEqual(['servicenow/CHG-803', 'servicenow/CHG-802', 'servicenow/CHG-801']);
    expect(second.body.nextPageToken).toBeUndefined();
    // A token is good for its own list only.
    expect((await read(await get('viewer', `/v1/changes?state=Accepted&pageSize=2&pageToken=${first.body.nextPageToken}`))).body).toMatchObject({ status: 400, errors: [{ path: 'pageToken' }] });
    expect((await read(await get('viewer', '/v1/changes?type=upgradeCluster&pageToken=bm90LWEtdG9rZW4'))).body).toMatchObject({ status: 400, errors: [{ path: 'pageToken' }] });
    const devOnly = await eventually(() => get('dev-viewer', '/v1/changes?pageSize=200').then(read), (r) => r.body.changes.length > 0);
    expect(devOnly.body.changes.map((c: { id: string }) => c.id)).not.toContain('servicenow/CHG-403');
    const waiting = await eventually(() => get('viewer', '/v1/changes?state=WaitingForApproval&pageSize=200').then(read), (r) => r.body.changes.some((c: { id: string }) => c.id === 'servicenow/CHG-403'));
    expect(waiting.body.changes.every((c: { state: string }) => c.state === 'WaitingForApproval')).toBe(true);
  });
});

describe('the inventory', () => {
  it('lists clusters as the CLI does, only those the caller may view', async () => {
    const all = await eventually(() => get('viewer', '/v1/clusters').then(read), (r) => r.body.clusters.length === 2);
    expect(all.body.clusters[0]).toMatchObject({ name: 'web-dev-1', environment: 'dev', provider: 'local', labels: { team: 'web' } });
    expect((await read(await get('viewer', '/v1/clusters?selector=env=prod'))).body.clusters.map((c: { name: string }) => c.name)).toEqual(['web-prod-1']);
    expect((await read(await get('dev-viewer', '/v1/clusters'))).body.clusters.map((c: { name: string }) => c.name)).toEqual(['web-dev-1']);
    expect((await read(await get('viewer', '/v1/clusters?selector=env'))).body.failureType).toBe('InvalidInput');
  });

  it('shows one cluster’s state, 403 outside the caller’s environments, 404 when unknown', async () => {
    const one = await read(await get('viewer', '/v1/clusters/web-prod-1'));
    expect(one.body).toMatchObject({ name: 'web-prod-1', phase: 'Registered', spec: { environment: 'prod' } });
    expect((await get('dev-viewer', '/v1/clusters/web-prod-1')).status).toBe(403);
    expect((await read(await get('viewer', '/v1/clusters/web-nowhere'))).body.failureType).toBe('ClusterNotFound');
  });
});
