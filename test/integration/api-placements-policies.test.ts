import { WithStartWorkflowOperation } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { createApi } from '../../src/api/app.js';
import { generateApiToken, hashApiToken } from '../../src/api/auth/api-tokens.js';
import { serveApi, type ServedApi } from '../../src/api/server.js';
import { AccessPolicySchema } from '../../src/domain/auth/policy.js';
import { CLUSTER_ENTITY_TYPE, clusterEntityId, entitySummary } from '../../src/domain/cluster/inventory.js';
import { ClusterSpecSchema, type ClusterSpecInput } from '../../src/domain/cluster/spec.js';
import { PLACED_BUNDLE_TYPE, placementId, type PlacedBundleInput } from '../../src/domain/placement/placed-bundle.js';
import { policyWorkflowId } from '../../src/domain/policy/policy-state.js';
import { ProviderRegistry } from '../../src/providers/registry.js';
import { listClusters } from '../../src/temporal/fleet-inventory.js';
import { registerCluster } from '../../src/temporal/messages/cluster.js';
import { reevaluatePlacement } from '../../src/temporal/messages/placement.js';
import { evaluateFleetPolicy } from '../../src/temporal/messages/policy.js';
import { inventoryQuery } from '../../src/domain/selection/selector-syntax.js';
import { collectApiErrors } from '../helpers/api-logger.js';
import { eventually, FleetTestEnv, NAMESPACE } from '../helpers/fleet-env.js';
import { staticTokenAuth } from '../helpers/static-token-auth.js';

/**
 * The placement and policy routes over real HTTP, a real Temporal dev server and the real
 * workflows: a placement in force and a fleet policy over one real local cluster (dev, Active)
 * and one only registered (prod, never provisioned, so no placement or policy picks it, but a
 * decision lists it with its reason). Rounds are waited for with the workflows' own updates
 * (reevaluate, evaluateFleetPolicy), never with a timer.
 */

const tokens = { admin: generateApiToken(), dev: generateApiToken(), prod: generateApiToken(), deployer: generateApiToken() };
const access = AccessPolicySchema.parse({
  roles: [
    { name: 'dev-viewer', permissions: [{ operations: ['view'], environments: ['dev'] }] },
    { name: 'prod-viewer', permissions: [{ operations: ['view'], environments: ['prod'] }] },
    { name: 'deployer', permissions: [{ operations: ['rollout'], environments: ['*'] }] },
  ],
  tokens: Object.entries(tokens).map(([name, t]) => ({ name, hash: hashApiToken(t) })),
  bindings: [
    { role: 'admin', tokens: ['admin'] },
    { role: 'dev-viewer', tokens: ['dev'] },
    { role: 'prod-viewer', tokens: ['prod'] },
    { role: 'deployer', tokens: ['deployer'] },
  ],
});

let fleet: FleetTestEnv;
let worker: Worker;
let running: Promise<void>;
let api: ServedApi;
const unexpected: string[] = [];

const spec = (name: string, environment: string): ClusterSpecInput => ({ name, provider: 'local', environment, labels: { team: 'web' } });
const shop: PlacedBundleInput = {
  name: 'pp-shop',
  placement: { selector: { matchLabels: { team: 'web' } }, numberOfClusters: 1 },
  bundle: { name: 'shop', revision: 'v1', manifests: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } }] },
  reevaluateEvery: '24h',
};
const guard = {
  name: 'pp-guard',
  selector: { matchLabels: { team: 'web' } },
  policies: [{ name: 'ns', mode: 'inform', objects: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'audited' } }] }],
  evaluateEvery: '24h',
};

beforeAll(async () => {
  fleet = await FleetTestEnv.create();
  const taskQueue = fleet.newTaskQueue();
  worker = await Worker.create({
    connection: fleet.env.nativeConnection,
    namespace: NAMESPACE,
    taskQueue,
    workflowBundle: fleet.bundle,
    activities: createActivities({ client: fleet.client, providers: new ProviderRegistry([fleet.local]) }),
  });
  running = worker.run();
  await fleet.client.workflow.execute('provisionCluster', { workflowId: 'provision/pp-dev-1', taskQueue, args: [{ spec: { ...spec('pp-dev-1', 'dev'), healthCheckInterval: '24h' } }] });
  const prod = spec('pp-prod-1', 'prod');
  await fleet.client.workflow.executeUpdateWithStart(registerCluster, {
    args: [prod],
    startWorkflowOperation: new WithStartWorkflowOperation(CLUSTER_ENTITY_TYPE, { workflowId: clusterEntityId(prod.name), taskQueue, args: [{ spec: prod }], workflowIdConflictPolicy: 'USE_EXISTING', staticSummary: entitySummary(ClusterSpecSchema.parse(prod)) }),
  });
  // The routes read the inventory from visibility: both clusters must be listed there first.
  await eventually(() => listClusters(fleet.client, inventoryQuery([])), (rows) => rows.length === 2);

  await fleet.client.workflow.start(PLACED_BUNDLE_TYPE, { workflowId: placementId(shop.name), taskQueue, args: [shop] });
  await fleet.client.workflow.getHandle(placementId(shop.name)).executeUpdate(reevaluatePlacement, { args: [{ by: 'test' }] });
  await fleet.client.workflow.start('fleetPolicy', { workflowId: policyWorkflowId(guard.name), taskQueue, args: [{ policy: guard }] });
  await fleet.client.workflow.getHandle(policyWorkflowId(guard.name)).executeUpdate(evaluateFleetPolicy);

  api = await serveApi(
    createApi({ client: fleet.client, namespace: NAMESPACE, taskQueue, access, authenticate: staticTokenAuth(access), uiBaseUrl: 'http://127.0.0.1:8233', logger: collectApiErrors(unexpected) }),
    { address: '127.0.0.1:0' },
  );
  // Visibility lists both long-running workflows before the list routes are asked.
  const listed = async (type: string) => {
    const ids: string[] = [];
    for await (const wf of fleet.client.workflow.list({ query: `WorkflowType = '${type}' AND ExecutionStatus = 'Running'` })) ids.push(wf.workflowId);
    return ids;
  };
  await eventually(() => listed(PLACED_BUNDLE_TYPE), (ids) => ids.includes(placementId(shop.name)));
  await eventually(() => listed('fleetPolicy'), (ids) => ids.includes(policyWorkflowId(guard.name)));
}, 240_000);

afterAll(async () => {
  await api?.close();
  for (const id of [placementId(shop.name), policyWorkflowId(guard.name)]) await fleet?.client.workflow.getHandle(id).terminate('test over').catch(() => undefined);
  worker?.shutdown();
  await running;
  await fleet?.teardown();
});

type Body = Record<string, any>;
async function call(who: keyof typeof tokens | undefined, path: string, body?: unknown): Promise<{ status: number; type: string; body: Body }> {
  const headers: Record<string, string> = who ? { authorization: `Bearer ${tokens[who]}` } : {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  const r = await fetch(`${api.url}${path}`, { method: body === undefined ? 'GET' : 'POST', headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: r.status, type: r.headers.get('content-type') ?? '', body: (await r.json()) as Body };
}

describe('placement and policy routes', () => {
  it('asks every caller for a token', async () => {
    for (const path of ['/v1/placements', '/v1/placements/pp-shop', '/v1/policies', '/v1/policies/pp-guard', '/v1/compliance']) {
      const r = await call(undefined, path);
      expect(r.status, path).toBe(401);
      expect(r.body.failureType).toBe('Unauthenticated');
    }
  });

  it('previews a placement: every cluster with its reason, and nothing started', async () => {
    const r = await call('admin', '/v1/placements/preview', { placement: { selector: { matchLabels: { team: 'web' } }, numberOfClusters: 1, excludeClusters: ['pp-prod-1'] } });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const byName = Object.fromEntries((r.body.decision.clusters as Body[]).map((c) => [c.name, c]));
    expect(Object.keys(byName)).toEqual(['pp-dev-1', 'pp-prod-1']);
    expect(byName['pp-prod-1']).toMatchObject({ chosen: false, verdict: 'Filtered', predicate: 'Excluded' });
    for (const c of Object.values(byName) as Body[]) expect(c.reason).toEqual(expect.any(String));
    expect(r.body.lines[0]).toMatch(/^placement: /);
    // A preview is no placement in force.
    expect((await call('admin', '/v1/placements')).body.placements.map((p: Body) => p.name)).toEqual(['pp-shop']);
  });

  it('refuses a bad placement naming the field, and a preview over clusters the caller may not view', async () => {
    const bad = await call('admin', '/v1/placements/preview', { placement: { numberOfClusters: 0, spread: [{ maxSkew: 1 }] } });
    expect(bad.status).toBe(400);
    expect(bad.type).toContain('application/problem+json');
    expect(bad.body.errors.map((e: Body) => e.path)).toEqual(expect.arrayContaining(['placement.numberOfClusters', 'placement.spread[0].topologyKey']));

    const denied = await call('dev', '/v1/placements/preview', { placement: { selector: { matchLabels: { team: 'web' } } } });
    expect(denied.status).toBe(403);
    expect(denied.body).toMatchObject({ failureType: 'NotPermitted', missing: { operation: 'view', cluster: 'pp-prod-1' } });
    const devOnly = await call('dev', '/v1/placements/preview', { placement: { selector: { environments: ['dev'] } } });
    expect(devOnly.status).toBe(200);
    expect(devOnly.body.decision.chosen).toEqual(['pp-dev-1']);
    // Starting rollouts is not viewing.
    expect((await call('deployer', '/v1/placements/preview', { placement: { selector: { environments: ['dev'] } } })).status).toBe(403);
  });

  it('shows a placement in force with its decision, reasons and moves, to those who may view its clusters', async () => {
    const r = await call('admin', '/v1/placements/pp-shop');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ name: 'pp-shop', workflowId: 'placement/pp-shop', bundle: { name: 'shop', revision: 'v1' }, links: { self: '/v1/placements/pp-shop' } });
    expect(r.body.decision.clusters.map((c: Body) => c.name)).toEqual(['pp-dev-1', 'pp-prod-1']);
    expect(r.body.decision.chosen).toEqual(['pp-dev-1']);
    expect(r.body.decision.clusters[1]).toMatchObject({ name: 'pp-prod-1', verdict: 'Filtered', predicate: 'Phase', reason: expect.stringContaining('Registered') });
    expect(r.body.placed).toEqual([expect.objectContaining({ cluster: 'pp-dev-1', revision: 'v1' })]);
    expect(r.body.moves[0]).toMatchObject({ action: 'add', outcome: 'Succeeded', cluster: 'pp-dev-1' });

    const list = await call('admin', '/v1/placements');
    expect(list.body.placements).toEqual([expect.objectContaining({ name: 'pp-shop', chosen: r.body.decision.chosen, links: { self: '/v1/placements/pp-shop' } })]);

    // The dev viewer may not view pp-prod-1, which the placement decided on.
    expect((await call('dev', '/v1/placements/pp-shop')).body).toMatchObject({ status: 403, failureType: 'NotPermitted', missing: { cluster: 'pp-prod-1' } });
    expect((await call('dev', '/v1/placements')).body.placements).toEqual([]);

    const missing = await call('admin', '/v1/placements/nope');
    expect(missing).toMatchObject({ status: 404, body: { failureType: 'PlacementUnknown', type: 'https://fleetflow.dev/problems/PlacementUnknown' } });
  });

  it('shows fleet policies, and the compliance matrix with only the rows the caller may view', async () => {
    const one = await call('admin', '/v1/policies/pp-guard');
    expect(one.status).toBe(200);
    // The selector picks the Active cluster only; the informed Namespace is not there.
    expect(one.body).toMatchObject({ name: 'pp-guard', workflowId: 'policy/pp-guard', clusters: ['pp-dev-1'], policies: [{ name: 'ns', mode: 'inform' }] });
    expect(one.body.matrix['pp-dev-1'].ns).toEqual({ state: 'NonCompliant', reasons: ['Namespace audited: missing'] });

    expect((await call('admin', '/v1/policies')).body.policies).toEqual([expect.objectContaining({ name: 'pp-guard', clusters: 1, counts: expect.objectContaining({ NonCompliant: 1 }) })]);
    expect((await call('dev', '/v1/policies')).body.policies.map((p: Body) => p.name)).toEqual(['pp-guard']);
    expect((await call('prod', '/v1/policies')).body.policies).toEqual([]);
    expect((await call('prod', '/v1/policies/pp-guard')).body).toMatchObject({ status: 403, missing: { cluster: 'pp-dev-1' } });
    expect((await call('admin', '/v1/policies/nope')).body).toMatchObject({ status: 404, failureType: 'PolicyUnknown' });

    const all = await call('admin', '/v1/compliance');
    expect(all.body).toEqual({
      columns: [{ id: 'pp-guard/ns', fleetPolicy: 'pp-guard', policy: 'ns', mode: 'inform' }],
      rows: [{ cluster: 'pp-dev-1', cells: { 'pp-guard/ns': { state: 'NonCompliant', reasons: ['Namespace audited: missing'] } } }],
      counts: { Compliant: 0, NonCompliant: 1, Pending: 0, Unknown: 0 },
    });
    // A caller who may view none of its clusters sees neither its rows nor its column.
    expect((await call('prod', '/v1/compliance')).body).toEqual({ columns: [], rows: [], counts: { Compliant: 0, NonCompliant: 0, Pending: 0, Unknown: 0 } });
  });

  it('documents the routes in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${api.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/placements/preview', '/v1/placements', '/v1/placements/{name}', '/v1/policies', '/v1/policies/{name}', '/v1/compliance']));
    expect(Object.keys(doc.paths['/v1/placements/{name}']!.get!.responses)).toEqual(expect.arrayContaining(['200', '401', '403', '404']));
    expect(unexpected).toEqual([]);
  });
});
