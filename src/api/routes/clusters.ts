import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { WorkflowNotFoundError } from '@temporalio/client';
import { authorize } from '../../domain/auth/authorize.js';
import { clusterEntityId } from '../../domain/cluster/inventory.js';
import type { ClusterState } from '../../domain/cluster/state.js';
import { scopeOfClusters } from '../../domain/change/scope.js';
import { clusterSummaryFrom } from '../../domain/selection/fleet-selector.js';
import { inventoryQuery, parseSelector } from '../../domain/selection/selector-syntax.js';
import { listClusters } from '../../temporal/fleet-inventory.js';
import { summaryOfRow } from '../fleet-view.js';
import { getClusterState } from '../../temporal/messages/cluster.js';
import { sharedQuery } from '../../temporal/shared-query.js';
import type { ApiEnv } from '../app-env.js';
import { enforce, type ApiDeps } from '../deps.js';
import { ApiProblem, invalidInput } from '../problem.js';
import { ClusterListQuery, ClusterListSchema, ClusterNameParams, ClusterStateSchema } from '../schemas.js';
import { BEARER, json, problems } from './responses.js';

const listRoute = createRoute({
  method: 'get',
  path: '/v1/clusters',
  operationId: 'listClusters',
  tags: ['clusters'],
  summary: 'The inventory, as `fleetflow clusters list` prints it',
  description: 'From visibility, one call however many clusters. Clusters of environments the caller may not view are left out.',
  security: BEARER,
  request: { query: ClusterListQuery },
  responses: { 200: json('The clusters, sorted by name.', ClusterListSchema), ...problems() },
});

const getRoute = createRoute({
  method: 'get',
  path: '/v1/clusters/{name}',
  operationId: 'getCluster',
  tags: ['clusters'],
  summary: "One cluster's state, as `fleetflow clusters get -o json` prints it",
  security: BEARER,
  request: { params: ClusterNameParams },
  responses: { 200: json('The cluster.', ClusterStateSchema), ...problems(404) },
});

/** Registers GET /v1/clusters and GET /v1/clusters/{name}. */
export function registerClusterRoutes(app: OpenAPIHono<ApiEnv>, deps: ApiDeps): void {
  app.openapi(listRoute, async (c) => {
    const q = c.req.valid('query');
    const selector = parseSelector(q.selector ?? '');
    if (!selector.ok) throw invalidInput([{ path: 'selector', message: selector.error }]);
    const rows = await listClusters(deps.client, inventoryQuery(selector.terms, q.all === 'true'));
    const principal = c.get('principal');
    const visible = rows.filter((r) => authorize(deps.access, principal, { kind: 'view', scope: scopeOfClusters([summaryOfRow(r)]) }).allow);
    return c.json({ clusters: visible }, 200);
  });

  app.openapi(getRoute, async (c) => {
    const { name } = c.req.valid('param');
    let state: ClusterState;
    try {
      state = await sharedQuery(deps.client, clusterEntityId(name), getClusterState);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new ApiProblem('ClusterNotFound', `cluster ${name} is not registered`);
      throw err;
    }
    enforce(authorize(deps.access, c.get('principal'), { kind: 'view', scope: scopeOfClusters([clusterSummaryFrom(state)]) }));
    return c.json({ name, ...state } as never, 200);
  });
}
