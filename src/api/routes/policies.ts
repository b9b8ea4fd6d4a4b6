import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { Principal } from '../../domain/auth/authorize.js';
import { authorizeFleetResource, viewableClusters } from '../../domain/auth/fleet-resource.js';
import { COMPLIANCE_STATES, type ComplianceCell, type ComplianceState } from '../../domain/policy/compliance.js';
import { policyWorkflowId, type PolicyStatusView } from '../../domain/policy/policy-state.js';
import type { ClusterSummary } from '../../domain/selection/fleet-selector.js';
import { getPolicyStatus } from '../../temporal/messages/policy.js';
import type { ApiEnv } from '../app-env.js';
import { enforce, type ApiDeps } from '../deps.js';
import { inventoryByName, runningStatuses, statusOf } from '../fleet-view.js';
import { ComplianceMatrixSchema, PolicyListSchema, PolicyNameParams, PolicyStatusSchema } from '../fleet-schemas.js';
import { ApiProblem } from '../problem.js';
import { BEARER, json, problems } from './responses.js';

const FLEET_POLICY_TYPE = 'fleetPolicy';

const listRoute = createRoute({
  method: 'get',
  path: '/v1/policies',
  operationId: 'listPolicies',
  tags: ['policies'],
  summary: 'The fleet policies (running fleetPolicy workflows), with their compliance counts',
  description: 'A fleet policy is listed when the caller may view every cluster its selector picked (none picked: the environments its selector names, else every environment).',
  security: BEARER,
  responses: { 200: json('The fleet policies, by name.', PolicyListSchema), ...problems() },
});

const complianceRoute = createRoute({
  method: 'get',
  path: '/v1/compliance',
  operationId: 'getComplianceMatrix',
  tags: ['policies'],
  summary: 'The fleet x policy compliance matrix over every fleet policy',
  description: 'Rows are the clusters the caller may view (others are left out, as from GET /v1/clusters); a fleet policy none of whose clusters the caller may view has no column.',
  security: BEARER,
  responses: { 200: json('The matrix.', ComplianceMatrixSchema), ...problems() },
});

const getRoute = createRoute({
  method: 'get',
  path: '/v1/policies/{name}',
  operationId: 'getPolicy',
  tags: ['policies'],
  summary: 'One fleet policy: its policies, revisions, rollouts, the fleet x policy matrix and recent changes',
  description: 'As `fleetflow policy status NAME -o json`. Needs `view` on every cluster its selector picked.',
  security: BEARER,
  request: { params: PolicyNameParams },
  responses: { 200: json('The fleet policy.', PolicyStatusSchema), ...problems(404) },
});

const selfOf = (name: string) => `/v1/policies/${name}`;

/** The selector's environments, when it names some (what an empty matrix is about). */
const environmentsOf = (s: PolicyStatusView): { environments?: string[] } => {
  const envs = (s.selector as { environments?: unknown } | undefined)?.environments;
  return Array.isArray(envs) && envs.every((e) => typeof e === 'string') ? { environments: envs as string[] } : {};
};

const zeroCounts = (): Record<ComplianceState, number> => Object.fromEntries(COMPLIANCE_STATES.map((s) => [s, 0])) as Record<ComplianceState, number>;

/** The matrix over every fleet policy, limited to the clusters the principal may view. */
function complianceMatrix(all: readonly PolicyStatusView[], visible: (names: readonly string[]) => string[]) {
  const columns: { id: string; fleetPolicy: string; policy: string; mode: 'enforce' | 'inform' }[] = [];
  const rows = new Map<string, Record<string, ComplianceCell>>();
  const counts = zeroCounts();
  for (const s of all) {
    const clusters = visible(s.clusters);
    if (!clusters.length) continue;
    for (const p of s.policies) columns.push({ id: `${s.name}/${p.name}`, fleetPolicy: s.name, policy: p.name, mode: p.mode });
    for (const cluster of clusters) {
      const cells = rows.get(cluster) ?? {};
      for (const p of s.policies) {
        const cell = s.matrix[cluster]?.[p.name];
        if (!cell) continue;
        cells[`${s.name}/${p.name}`] = cell;
        counts[cell.state]++;
      }
      rows.set(cluster, cells);
    }
  }
  return { columns, rows: [...rows.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([cluster, cells]) => ({ cluster, cells })), counts };
}

/** Registers the fleet policy routes: list, get, and the compliance matrix. */
export function registerPolicyRoutes(app: OpenAPIHono<ApiEnv>, deps: ApiDeps): void {
  const readAll = () => Promise.all([runningStatuses(deps.client, FLEET_POLICY_TYPE, getPolicyStatus), inventoryByName(deps.client)]);
  const mayView = (principal: Principal, s: PolicyStatusView, inventory: ReadonlyMap<string, ClusterSummary>) =>
    authorizeFleetResource(deps.access, principal, { clusters: s.clusters, ...environmentsOf(s) }, inventory);

  app.openapi(listRoute, async (c) => {
    const [all, inventory] = await readAll();
    const policies = all
      .filter(({ status }) => mayView(c.get('principal'), status, inventory).allow)
      .map(({ workflowId, status: s }) => ({
        name: s.name,
        workflowId,
        generation: s.generation,
        policies: s.policies.map((p) => ({ name: p.name, mode: p.mode, revision: p.revision })),
        clusters: s.clusters.length,
        counts: s.counts,
        ...(s.evaluatedAt ? { evaluatedAt: s.evaluatedAt } : {}),
        links: { self: selfOf(s.name) },
      }));
    return c.json({ policies }, 200);
  });

  app.openapi(complianceRoute, async (c) => {
    const [all, inventory] = await readAll();
    const principal = c.get('principal');
    return c.json(complianceMatrix(all.map((x) => x.status), (names) => viewableClusters(deps.access, principal, names, inventory)), 200);
  });

  app.openapi(getRoute, async (c) => {
    const { name } = c.req.valid('param');
    const workflowId = policyWorkflowId(name);
    const [s, inventory] = await Promise.all([statusOf(deps.client, workflowId, getPolicyStatus), inventoryByName(deps.client)]);
    if (!s) throw new ApiProblem('PolicyUnknown', `no fleet policy ${name} (workflow ${workflowId})`);
    enforce(mayView(c.get('principal'), s, inventory));
    return c.json({ ...s, workflowId, links: { self: selfOf(name) } } as never, 200);
  });
}
