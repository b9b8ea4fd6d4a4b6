import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { startApi } from '../../src/api/run.js';
import type { ServedApi } from '../../src/api/server.js';
import { loadConfigFile } from '../../src/config.js';
import { Toolchain } from '../../src/host/toolchain.js';
import { renderKubeconfig } from '../../src/kube/kubeconfig.js';
import { ProviderRegistry } from '../../src/providers/registry.js';
import { eventually, FleetTestEnv, NAMESPACE } from '../helpers/fleet-env.js';
import { TestOidcIssuer } from '../helpers/oidc-issuer.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';
import { silentApiLogger } from '../helpers/api-logger.js';

// One change from end to end, as a change system and two people would make it: the API served
// in-process by startApi (the code `fleetflow api` runs) from a config file (access policy,
// OIDC issuer, webhooks), people with real tokens from a real OpenID Provider, a real Temporal
// dev server (with its web UI) and a worker with the real workflows and activities, two local
// clusters provisioned for real (etcd + kube-apiserver each), and a receiver that verifies
// every callback with the standardwebhooks package. The bundle is a Namespace and a ConfigMap:
// nothing in it waits for controllers, which these control planes do not run.

const AUDIENCE = 'https://fleetflow.test/api';
const TICKET = { system: 'servicenow', id: 'CHG0042001' };
const CHANGE = `/v1/changes/${TICKET.system}/${TICKET.id}`;
const exec = promisify(execFile);

let fleet: FleetTestEnv;
let issuer: TestOidcIssuer;
let receiver: WebhookReceiver;
let api: ServedApi;
let worker: Worker;
let running: Promise<void>;
let alice: string;
let bob: string;

beforeAll(async () => {
  fleet = await FleetTestEnv.create({ ui: true });
  issuer = await new TestOidcIssuer({ audience: AUDIENCE }).start();
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  receiver = await WebhookReceiver.start({ secret });
  const secretFile = join(fleet.dataDir, 'callback-secret');
  writeFileSync(secretFile, secret, { mode: 0o600 });
  // The config file as an operator writes it: people by their groups, the callback secret by reference.
  const configFile = join(fleet.dataDir, 'fleetflow.yaml');
  writeFileSync(
    configFile,
    [
      'api:',
      `  oidc: { issuer: "${issuer.issuer}", audience: "${AUDIENCE}" }`,
      'access:',
      '  bindings:',
      '    - { role: prod-operator, groups: [platform-oncall] }',
      '    - { role: approver, groups: [change-approvers] }',
      'webhooks:',
      `  secrets: { snow: { file: "${secretFile}" } }`,
      '  callbackSecret: snow',
      '  allowedCallbackHosts: ["http://127.0.0.1:*"]',
      '',
    ].join('\n'),
  );
  const taskQueue = fleet.newTaskQueue();
  worker = await Worker.create({
    connection: fleet.env.nativeConnection,
    namespace: NAMESPACE,
    taskQueue,
    workflowBundle: fleet.bundle,
    activities: createActivities({ client: fleet.client, providers: new ProviderRegistry([fleet.local]), webhooks: loadConfigFile(configFile).webhooks }),
  });
  running = worker.run();
  // Two real clusters, one per environment, in the inventory.
  await Promise.all(
    [['shop-dev', 'dev'], ['shop-prod', 'prod']].map(([name, environment]) =>
      fleet.client.workflow.execute('provisionCluster', { workflowId: `provision/${name}`, taskQueue, args: [{ spec: { name, provider: 'local', environment, labels: { app: 'shop' } } }] }),
    ),
  );
  api = await startApi({
    // FLEETFLOW_DATA: the fixture's data folder holds the test key, so the API encrypts like the worker.
    env: { ...process.env, FLEETFLOW_DATA: fleet.dataDir, FLEETFLOW_CONFIG: configFile, TEMPORAL_ADDRESS: fleet.env.address, TEMPORAL_NAMESPACE: NAMESPACE, FLEETFLOW_TASK_QUEUE: taskQueue, FLEETFLOW_UI_URL: fleet.uiUrl },
    address: '127.0.0.1:0',
    logger: silentApiLogger,
  });
  // Alice is on call (prod-operator) and a change approver too, so only four eyes keeps her from
  // approving her own change; Bob approves.
  alice = await issuer.tokenFor({ subject: 'alice', groups: ['platform-oncall', 'change-approvers'], name: 'Alice', expiresIn: 600 });
  bob = await issuer.tokenFor({ subject: 'bob', groups: ['change-approvers'], name: 'Bob', expiresIn: 600 });
});

afterAll(async () => {
  await api?.close();
  worker?.shutdown();
  await running;
  await receiver?.close();
  await issuer?.stop();
  await fleet?.teardown();
});

const call = async (token: string, method: 'GET' | 'POST', path: string, body?: unknown) => {
  const res = await fetch(`${api.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, location: res.headers.get('location'), body: (await res.json()) as Record<string, any> };
};
/** The change through the API, until `done` holds (bounded: visibility and the workflow move on their own). */
const changeWhen = (done: (c: Record<string, any>) => boolean, timeoutMs = 60_000) => eventually(() => call(bob, 'GET', CHANGE).then((r) => r.body), done, timeoutMs);

const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } };
const settings = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'shop' }, data: { tier: 'gold' } };

/** What `kubectl get` finds on a cluster, with the kubeconfig Fleetflow renders for it. */
async function kubectlGet(cluster: string, ...args: string[]): Promise<{ found: boolean; object?: Record<string, any> }> {
  const file = join(fleet.dataDir, `${cluster}.kubeconfig`);
  writeFileSync(file, renderKubeconfig(await fleet.local.credentials({ name: cluster, region: 'local' }), { cluster, user: 'admin' }), { mode: 0o600 });
  try {
    const { stdout } = await exec(new Toolchain().kubectl(), ['--kubeconfig', file, 'get', ...args, '-o', 'json']);
    return { found: true, object: JSON.parse(stdout) };
  } catch (e) {
    if (/NotFound/.test((e as { stderr?: string }).stderr ?? '')) return { found: false };
    throw e;
  }
}

describe('a rollout change from a change system, end to end', () => {
  it('is opened by alice, held at the prod gate, refused to her, approved by bob, rolled out to both clusters and reported back', async () => {
    const callbackUrl = receiver.url;
    const opened = await call(alice, 'POST', '/v1/changes', {
      type: 'rollout',
      ticket: TICKET,
      callbackUrl,
      input: {
        selector: { matchLabels: { app: 'shop' } },
        plan: { stages: [{ name: 'dev', selector: { environments: ['dev'] } }, { name: 'prod' }] },
        bundle: { name: 'shop', revision: 'v1', manifests: [ns, settings] },
      },
    });
    expect(opened).toMatchObject({ status: 201, location: CHANGE, body: { id: `${TICKET.system}/${TICKET.id}`, type: 'rollout', state: 'Accepted', requestedBy: 'oidc:alice' } });

    // The policy put a gate before the prod stage (the input asked for none); dev went first.
    const waiting = await changeWhen((c) => c.state === 'WaitingForApproval');
    expect(waiting).toMatchObject({ requestedBy: 'oidc:alice', waitingAt: { gate: 'prod:before' }, progress: { gate: 'prod:before' } });
    expect((await kubectlGet('shop-dev', 'configmap', 'settings', '-n', 'shop')).object?.data).toEqual({ tier: 'gold' });
    expect((await kubectlGet('shop-prod', 'namespace', 'shop')).found).toBe(false);

    // Four eyes: alice may approve prod gates, but not those of her own change.
    const self = await call(alice, 'POST', `${CHANGE}/approve`, { gate: 'prod:before', reason: 'my own change' });
    expect(self).toMatchObject({ status: 403, body: { failureType: 'NotPermitted', fourEyes: true } });
    expect(self.body.detail).toBe('Alice (oidc:alice) requested this change and may not approve its gate on prod: a second person must approve (four eyes)');

    const approved = await call(bob, 'POST', `${CHANGE}/approve`, { gate: 'prod:before', reason: 'CAB approved CHG0042001' });
    expect(approved.status).toBe(200);

    const done = await changeWhen((c) => c.state === 'Succeeded' && c.deliveries?.length === 5 && c.deliveries.every((d: { state: string }) => d.state === 'delivered'), 120_000);
    expect(done).toMatchObject({ requestedBy: 'oidc:alice', outcome: { state: 'Succeeded' } });
    expect(done.audit).toEqual([expect.objectContaining({ action: 'approve', by: 'oidc:bob', detail: 'prod:before', reason: 'CAB approved CHG0042001' })]);
    expect(done.deliveries.map((d: { type: string; url: string }) => `${d.type} -> ${d.url}`)).toEqual(['accepted', 'stageFinished', 'waiting', 'stageFinished', 'succeeded'].map((t) => `${t} -> ${callbackUrl}`));

    // The receiver verified every request (standardwebhooks) and got every event, in order;
    // delivery is at least once, so it drops repeats by webhook-id as a receiver should.
    expect(receiver.rejected).toEqual([]);
    const firsts = receiver.delivered.filter((d, i, all) => all.findIndex((o) => o.id === d.id) === i);
    const events = firsts.map((d) => d.payload as { type: string; seq: number; changeId: string; ticket: unknown; data: Record<string, unknown> });
    expect(events.map((e) => [e.type, e.data.stage ?? e.data.gate ?? null])).toEqual([
      ['accepted', null],
      ['stageFinished', 'dev'],
      ['waiting', 'prod:before'],
      ['stageFinished', 'prod'],
      ['succeeded', null],
    ]);
    expect(events.map((e) => e.seq)).toEqual([...events.map((e) => e.seq)].sort((a, b) => a - b));
    expect(firsts.map((d) => d.id)).toEqual(done.deliveries.map((d: { webhookId: string }) => d.webhookId));
    expect(events.every((e) => e.changeId === `change/${TICKET.system}/${TICKET.id}`)).toBe(true);
    expect(events[0]!.data).toMatchObject({ type: 'rollout', requestedBy: 'oidc:alice' });

    // The link opens this run in the Temporal UI, which shows the change.
    const link = String(done.links.temporalUi);
    const { runId } = await fleet.client.workflow.getHandle(`change/${TICKET.system}/${TICKET.id}`).describe();
    expect(link).toBe(`${fleet.uiUrl}/namespaces/${NAMESPACE}/workflows/${encodeURIComponent(`change/${TICKET.system}/${TICKET.id}`)}/${runId}/history`);
    const page = await fetch(link);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const shown = await fetch(`${fleet.uiUrl}/api/v1/namespaces/${NAMESPACE}/workflows/${encodeURIComponent(`change/${TICKET.system}/${TICKET.id}`)}?execution.runId=${runId}`);
    expect(((await shown.json()) as { workflowExecutionInfo?: { type?: { name?: string } } }).workflowExecutionInfo?.type?.name).toBe('fleetChange');

    // kubectl finds the bundle's objects on both clusters.
    for (const cluster of ['shop-dev', 'shop-prod']) {
      expect((await kubectlGet(cluster, 'namespace', 'shop')).found).toBe(true);
      expect((await kubectlGet(cluster, 'configmap', 'settings', '-n', 'shop')).object?.data).toEqual({ tier: 'gold' });
    }
  });
});
