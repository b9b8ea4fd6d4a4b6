import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { authorizeFleetResource } from '../../domain/auth/fleet-resource.js';
import { decidePlacement } from '../../domain/placement/decide.js';
import { formatDecision } from '../../domain/placement/format.js';
import { PLACED_BUNDLE_TYPE, placementId, type PlacementStatus } from '../../domain/placement/placed-bundle.js';
import { getPlacementStatus } from '../../temporal/messages/placement.js';
import { readPlacementFleet } from '../../temporal/placement-fleet.js';
import type { ApiEnv } from '../app-env.js';
import { enforce, type ApiDeps } from '../deps.js';
import { inventoryByName, runningStatuses, statusOf } from '../fleet-view.js';
import { PlacementListSchema, PlacementNameParams, PlacementPreviewBody, PlacementPreviewSchema, PlacementStatusSchema } from '../fleet-schemas.js';
import { ApiProblem } from '../problem.js';
import { BEARER, json, problems } from './responses.js';

const previewRoute = createRoute({
  method: 'post',
  path: '/v1/placements/preview',
  operationId: 'previewPlacement',
  tags: ['placements'],
  summary: 'The decision of a placement over the current fleet, every cluster with its reason (changes nothing)',
  description:
    'As `fleetflow placement preview -f FILE`: the clusters the selector matches are read with their health and capacity, and decided on. Needs `view` on every cluster considered (or, when none is, on the environments the selector names, else on every environment).',
  security: BEARER,
  request: { body: { content: { 'application/json': { schema: PlacementPreviewBody } }, required: true } },
  responses: { 200: json('The decision.', PlacementPreviewSchema), ...problems() },
});

const listRoute = createRoute({
  method: 'get',
  path: '/v1/placements',
  operationId: 'listPlacements',
  tags: ['placements'],
  summary: 'The placements in force (running placedBundle workflows)',
  description: 'A placement is listed when the caller may view every cluster it decided on or placed the bundle on.',
  security: BEARER,
  responses: { 200: json('The placements, by name.', PlacementListSchema), ...problems() },
});

const getRoute = createRoute({
  method: 'get',
  path: '/v1/placements/{name}',
  operationId: 'getPlacement',
  tags: ['placements'],
  summary: 'One placement in force: where its bundle is, the current decision with every reason, the moves',
  description: 'As `fleetflow placement status NAME -o json`. Needs `view` on every cluster of its decision and every cluster that has its bundle.',
  security: BEARER,
  request: { params: PlacementNameParams },
  responses: { 200: json('The placement.', PlacementStatusSchema), ...problems(404) },
});

/** The clusters a placement concerns: those decided on and those holding the bundle. */
const clustersOf = (s: PlacementStatus): string[] => [...(s.decision?.clusters.map((c) => c.name) ?? []), ...s.placed.map((p) => p.cluster)];

const selfOf = (name: string) => `/v1/placements/${name}`;

/** Registers the placement routes: preview, list, get. */
export function registerPlacementRoutes(app: OpenAPIHono<ApiEnv>, deps: ApiDeps): void {
  app.openapi(previewRoute, async (c) => {
    const { placement } = c.req.valid('json');
    const fleet = await readPlacementFleet(deps.client, placement.selector);
    const decision = decidePlacement(placement, fleet, { now: deps.now() });
    const inventory = new Map(fleet.map((x) => [x.name, x]));
    enforce(authorizeFleetResource(deps.access, c.get('principal'), { clusters: fleet.map((x) => x.name), ...(placement.selector.environments ? { environments: placement.selector.environments } : {}) }, inventory));
    return c.json({ decision, lines: formatDecision(decision) } as never, 200);
  });

  app.openapi(listRoute, async (c) => {
    const [all, inventory] = await Promise.all([runningStatuses(deps.client, PLACED_BUNDLE_TYPE, getPlacementStatus), inventoryByName(deps.client)]);
    const principal = c.get('principal');
    const placements = all
      .filter(({ status }) => authorizeFleetResource(deps.access, principal, { clusters: clustersOf(status) }, inventory).allow)
      .map(({ workflowId, status: s }) => ({
        name: s.name,
        workflowId,
        bundle: s.bundle,
        placed: s.placed.map((p) => p.cluster),
        chosen: s.decision?.chosen ?? [],
        summary: s.summary,
        ...(s.lastEvaluatedAt ? { lastEvaluatedAt: s.lastEvaluatedAt } : {}),
        links: { self: selfOf(s.name) },
      }));
    return c.json({ placements }, 200);
  });

  app.openapi(getRoute, async (c) => {
    const { name } = c.req.valid('param');
    const workflowId = placementId(name);
    const [s, inventory] = await Promise.all([statusOf(deps.client, workflowId, getPlacementStatus), inventoryByName(deps.client)]);
    if (!s) throw new ApiProblem('PlacementUnknown', `no placement ${name} (workflow ${workflowId})`);
    enforce(authorizeFleetResource(deps.access, c.get('principal'), { clusters: clustersOf(s) }, inventory));
    return c.json({ ...s, workflowId, links: { self: selfOf(name) } } as never, 200);
  });
}
