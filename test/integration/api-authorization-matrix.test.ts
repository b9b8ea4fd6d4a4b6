import { WithStartWorkflowOperation, WorkflowNotFoundError } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { createApi } from '../../src/api/app.js';
import { generateApiToken, hashApiToken } from '../../src/api/auth/api-tokens.js';
import { createAuthenticator } from '../../src/api/auth/authenticator.js';
import { serveApi, type ServedApi } from '../../src/api/server.js';
import { OidcConfigSchema } from '../../src/domain/api/api-config.js';
import { AccessPolicySchema, type BuiltInRole } from '../../src/domain/auth/policy.js';
import { CLUSTER_ENTITY_TYPE, clusterEntityId, entitySummary } from '../../src/domain/cluster/inventory.js';
import { ClusterSpecSchema, type ClusterSpecInput } from '../../src/domain/cluster/spec.js';
import { OPERATION_INPUT } from '../../src/domain/change/request.js';
import { ProviderRegistry } from '../../src/providers/registry.js';
import { registerCluster } from '../../src/temporal/messages/cluster.js';
import { readFleet } from '../../src/temporal/fleet-inventory.js';
import { eventually, FleetTestEnv, NAMESPACE } from '../helpers/fleet-env.js';
import { TestOidcIssuer } from '../helpers/oidc-issuer.js';
import { apiErrorsToConsole } from '../helpers/api-logger.js';

/**
 * The access policy's built-in roles over the real HTTP server, with principals authenticated
 * for real: people hold OIDC access tokens from a real issuer (oidc-provider on 127.0.0.1),
 * bound to their role by subject or by group; machines hold static API tokens. Every role x
 * operation x environment is written out below by hand (from the README's table of roles, not
 * from the policy code), and every principal of a role must get exactly that status.
 *
 * Keeping it fast and harmless:
 * - The inventory is one registered cluster per environment (registered is all the policy reads;
 *   nothing is provisioned).
 * - The matrix's API starts changes on a task queue no worker polls: an allowed open is a 201
 *   and its change never runs.
 * - The actions act on one closed upgradeCluster change per environment, opened beforehand by
 *   a separate admin token (so four eyes never applies to the principals under test): dev and
 *   staging ran their upgrade, which the cluster's entity refused at once (it is only
 *   registered), and prod waited at its policy gate until it was aborted there. So an action
 *   the policy allows reaches the workflow's side and is refused there: 409. The point of the
 *   action rows is 403 (the policy) against not-403.
 */

const AUDIENCE = 'https://fleetflow.test/matrix';
const ENVS = ['dev', 'staging', 'prod'] as const;
type Env = (typeof ENVS)[number];

const OPS = [
  'open provision',
  'open decommission',
  'open upgradeCluster',
  'open upgradeWave',
  'open rollout',
  'open fleetDecommission',
  'view',
  'approve',
  'pause',
  'resume',
  'abort',
  'retry',
  'skip',
] as const;
type Op = (typeof OPS)[number];

/** A status per environment: [dev, staging, prod]. */
type Row = readonly [dev: number, staging: number, prod: number];

/**
 * The expected answers. 201: the change was opened. 200: the change was shown. 403: the policy
 * refused. 409: the policy allowed the action and the change refused it (see the file comment:
 * each action's change is closed; approve finds no gate waiting, pause/resume/retry/skip do not
 * exist for a one-cluster change, abort finds the workflow ended).
 */
const MATRIX: Record<BuiltInRole | 'unbound', Record<Op, Row>> = {
  viewer: {
    'open provision': [403, 403, 403],
    'open decommission': [403, 403, 403],
    'open upgradeCluster': [403, 403, 403],
    'open upgradeWave': [403, 403, 403],
    'open rollout': [403, 403, 403],
    'open fleetDecommission': [403, 403, 403],
    view: [200, 200, 200],
    approve: [403, 403, 403],
    pause: [403, 403, 403],
    resume: [403, 403, 403],
    abort: [403, 403, 403],
    retry: [403, 403, 403],
    skip: [403, 403, 403],
  },
  operator: {
    'open provision': [201, 201, 403],
    'open decommission': [201, 201, 403],
    'open upgradeCluster': [201, 201, 403],
    'open upgradeWave': [201, 201, 403],
    'open rollout': [201, 201, 403],
    'open fleetDecommission': [201, 201, 403],
    view: [200, 200, 200],
    approve: [409, 409, 403],
    pause: [409, 409, 403],
    resume: [409, 409, 403],
    abort: [409, 409, 403],
    retry: [409, 409, 403],
    skip: [409, 409, 403],
  },
  'prod-operator': {
    'open provision': [201, 201, 201],
    'open decommission': [201, 201, 201],
    'open upgradeCluster': [201, 201, 201],
    'open upgradeWave': [201, 201, 201],
    'open rollout': [201, 201, 201],
    'open fleetDecommission': [201, 201, 201],
    view: [200, 200, 200],
    approve: [409, 409, 403],
    pause: [409, 409, 409],
    resume: [409, 409, 409],
    abort: [409, 409, 409],
    retry: [409, 409, 409],
    skip: [409, 409, 409],
  },
  approver: {
    'open provision': [403, 403, 403],
    'open decommission': [403, 403, 403],
    'open upgradeCluster': [403, 403, 403],
    'open upgradeWave': [403, 403, 403],
    'open rollout': [403, 403, 403],
    'open fleetDecommission': [403, 403, 403],
    view: [200, 200, 200],
    approve: [409, 409, 409],
    pause: [403, 403, 403],
    resume: [403, 403, 403],
    abort: [403, 403, 403],
    retry: [403, 403, 403],
    skip: [403, 403, 403],
  },
  admin: {
    'open provision': [201, 201, 201],
    'open decommission': [201, 201, 201],
    'open upgradeCluster': [201, 201, 201],
    'open upgradeWave': [201, 201, 201],
    'open rollout': [201, 201, 201],
    'open fleetDecommission': [201, 201, 201],
    view: [200, 200, 200],
    approve: [409, 409, 409],
    pause: [409, 409, 409],
    resume: [409, 409, 409],
    abort: [409, 409, 409],
    retry: [409, 409, 409],
    skip: [409, 409, 409],
  },
  // Authenticated, but no binding names the person: deny by default, viewing included.
  unbound: {
    'open provision': [403, 403, 403],
    'open decommission': [403, 403, 403],
    'open upgradeCluster': [403, 403, 403],
    'open upgradeWave': [403, 403, 403],
    'open rollout': [403, 403, 403],
    'open fleetDecommission': [403, 403, 403],
    view: [403, 403, 403],
    approve: [403, 403, 403],
    pause: [403, 403, 403],
    resume: [403, 403, 403],
    abort: [403, 403, 403],
    retry: [403, 403, 403],
    skip: [403, 403, 403],
  },
};

/** A principal under test: how it authenticates, and the role the policy binds it to. */
interface Caller {
  label: string;
  role: BuiltInRole | 'unbound';
  /** `oidc:<sub>` or `token:<name>`: what the API records as requestedBy. */
  auditName: string;
  /** Short, for ticket ids and cluster names. */
  key: string;
  person?: { subject: string; groups: string[] };
  machine?: string;
}

const ROLES: readonly BuiltInRole[] = ['viewer', 'operator', 'prod-operator', 'approver', 'admin'];
const short: Record<BuiltInRole, string> = { viewer: 'vw', operator: 'op', 'prod-operator': 'po', approver: 'ap', admin: 'ad' };

/** Per role: a person bound by subject, a person bound by one of their groups, a machine bound by token name. */
const CALLERS: Caller[] = [
  ...ROLES.flatMap((role): Caller[] => [
    { label: `${role}: OIDC person bound by subject`, role, key: `${short[role]}s`, auditName: `oidc:${role}-person`, person: { subject: `${role}-person`, groups: ['staff'] } },
    { label: `${role}: OIDC person bound by group`, role, key: `${short[role]}g`, auditName: `oidc:member-of-${role}s`, person: { subject: `member-of-${role}s`, groups: ['staff', `${role}s`] } },
    { label: `${role}: machine with an API token`, role, key: `${short[role]}t`, auditName: `token:${role}-bot`, machine: `${role}-bot` },
  ]),
  { label: 'unbound: OIDC person in no bound group', role: 'unbound', key: 'nb', auditName: 'oidc:stranger', person: { subject: 'stranger', groups: ['staff'] } },
];

/** The API tokens of the machines, and of the admin that opens the changes the actions act on. */
const secrets = new Map<string, string>([...ROLES.map((r) => `${r}-bot`), 'opener'].map((name) => [name, generateApiToken()]));
const access = AccessPolicySchema.parse({
  tokens: [...secrets].map(([name, token]) => ({ name, hash: hashApiToken(token) })),
  bindings: [
    ...ROLES.map((role) => ({ role, subjects: [`${role}-person`], groups: [`${role}s`], tokens: [`${role}-bot`] })),
    { role: 'admin', tokens: ['opener'] },
  ],
});

let fleet: FleetTestEnv;
let issuer: TestOidcIssuer;
let stranger: TestOidcIssuer;
let worker: Worker;
let running: Promise<void>;
/** Starts changes on a queue no worker polls: what the matrix opens never runs. */
let api: ServedApi;
/** Starts changes on the worker's queue: the changes the actions act on. */
let setupApi: ServedApi;
const bearers = new Map<string, string>();
let foreignJwt: string;

const clusterOf = (env: Env) => `mx-${env}-1`;
const spec = (name: string, environment: string): ClusterSpecInput => ({ name, provider: 'local', environment, labels: { team: 'web' } });
/** The change each environment's action rows act on. */
const targetOf = (env: Env) => ({ system: 'matrix', id: `target-${env}` });

/** A valid input of each change type, acting on the environment's cluster(s). */
function inputOf(type: string, env: Env, caller: Caller): Record<string, unknown> {
  switch (type) {
    case 'provision':
      return { spec: spec(`mx-new-${caller.key}-${env}`, env) };
    case 'decommission':
      return { name: clusterOf(env) };
    case 'upgradeCluster':
      return { name: clusterOf(env), version: '1.36' };
    case 'upgradeWave':
      return { targets: [{ selector: { environments: [env] }, version: '1.36' }] };
    case 'rollout':
      return { selector: { environments: [env] }, plan: { stages: [{ name: 'all', selector: {} }] }, bundle: { name: 'web', revision: 'v1', manifests: [] } };
    case 'fleetDecommission':
      return { selector: { environments: [env] }, reason: 'retire the environment' };
    default:
      throw new Error(`no input for ${type}`);
  }
}

/** The body of each action: valid for the action, so that only the policy or the change can refuse it. */
function actionBody(action: string, env: Env): Record<string, unknown> {
  return action === 'skip' ? { reason: 'matrix', cluster: clusterOf(env) } : { reason: 'matrix' };
}

beforeAll(async () => {
  issuer = await new TestOidcIssuer({ audience: AUDIENCE }).start();
  // Another issuer, same audience: its tokens are well formed and signed, by keys the API does not trust.
  stranger = await new TestOidcIssuer({ audience: AUDIENCE }).start();
  for (const c of CALLERS) bearers.set(c.key, c.person ? await issuer.tokenFor({ ...c.person, expiresIn: 1800 }) : secrets.get(c.machine!)!);
  foreignJwt = await stranger.tokenFor({ subject: 'admin-person', groups: ['admins'] });

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
  for (const env of ENVS) {
    const s = spec(clusterOf(env), env);
    await fleet.client.workflow.executeUpdateWithStart(registerCluster, {
      args: [s],
      startWorkflowOperation: new WithStartWorkflowOperation(CLUSTER_ENTITY_TYPE, {
        workflowId: clusterEntityId(s.name),
        taskQueue,
        args: [{ spec: s }],
        workflowIdConflictPolicy: 'USE_EXISTING',
        staticSummary: entitySummary(ClusterSpecSchema.parse(s)),
      }),
    });
  }
  // Fleet changes select by visibility: wait until it lists the three clusters.
  await eventually(() => readFleet(fleet.client, { environments: [...ENVS] }), (found) => found.length === ENVS.length);

  const authenticate = createAuthenticator({ policy: access, oidc: OidcConfigSchema.parse({ issuer: issuer.issuer, audience: AUDIENCE }) });
  // About 40 requests per principal in a few seconds: the rate limit is not what this file tests.
  const common = { client: fleet.client, namespace: NAMESPACE, access, authenticate, uiBaseUrl: 'http://127.0.0.1:8233', limits: { rate: { ratePerSecond: 1000, burst: 1000 } }, logger: apiErrorsToConsole };
  api = await serveApi(createApi({ ...common, taskQueue: fleet.newTaskQueue() }), { address: '127.0.0.1:0' });
  setupApi = await serveApi(createApi({ ...common, taskQueue }), { address: '127.0.0.1:0' });

  // The changes the actions act on, each brought to its end before any row runs.
  const opener = { authorization: `Bearer ${secrets.get('opener')}`, 'content-type': 'application/json' };
  for (const env of ENVS) {
    const body = { type: 'upgradeCluster', ticket: targetOf(env), input: { name: clusterOf(env), version: '1.36' } };
    const opened = await fetch(`${setupApi.url}/v1/changes`, { method: 'POST', headers: opener, body: JSON.stringify(body) });
    expect(opened.status, await opened.clone().text()).toBe(201);
  }
  const path = (env: Env) => `${setupApi.url}/v1/changes/matrix/target-${env}`;
  await eventually(() => fetch(path('prod'), { headers: opener }).then((r) => r.json() as Promise<{ state: string }>), (c) => c.state === 'WaitingForApproval');
  const aborted = await fetch(`${path('prod')}/abort`, { method: 'POST', headers: opener, body: JSON.stringify({ reason: 'only here to be acted on' }) });
  expect(aborted.status, await aborted.clone().text()).toBe(200);
  const ends = await Promise.all(ENVS.map((env) => fleet.client.workflow.getHandle(`change/matrix/target-${env}`).result() as Promise<{ state: string; message: string }>));
  // The ends the file comment promises: nothing ran anywhere.
  expect(ends.map((e) => e.state)).toEqual(['Failed', 'Failed', 'Aborted']);
  expect(ends[0]!.message).toContain('cluster mx-dev-1 is Registered: upgrade needs an Active or Degraded cluster');
}, 240_000);

afterAll(async () => {
  await api?.close();
  await setupApi?.close();
  worker?.shutdown();
  await running;
  await fleet?.teardown();
  await issuer?.stop();
  await stranger?.stop();
});

/** One request of the matrix: the operation on the environment, as the given Authorization. */
function request(op: Op, env: Env, authorization: string | undefined, caller?: Caller): { path: string; init: RequestInit; ticketId?: string } {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) };
  const target = targetOf(env);
  if (op === 'view') return { path: `/v1/changes/${target.system}/${target.id}`, init: { headers } };
  if (op.startsWith('open ')) {
    const type = op.slice('open '.length);
    const ticketId = `${caller?.key ?? 'anon'}-${type}-${env}`;
    const body = { type, ticket: { system: 'matrix', id: ticketId }, input: inputOf(type, env, caller ?? CALLERS[0]!) };
    return { path: '/v1/changes', init: { method: 'POST', headers, body: JSON.stringify(body) }, ticketId };
  }
  return { path: `/v1/changes/${target.system}/${target.id}/${op}`, init: { method: 'POST', headers, body: JSON.stringify(actionBody(op, env)) } };
}

/** True when no workflow of that id exists: a refused open started nothing. */
async function nothingStarted(workflowId: string): Promise<boolean> {
  try {
    await fleet.client.workflow.getHandle(workflowId).describe();
    return false;
  } catch (e) {
    if (e instanceof WorkflowNotFoundError) return true;
    throw e;
  }
}

describe('the inputs the matrix sends', () => {
  it('are valid for their operation, so only the policy (or the change) can refuse them', () => {
    for (const type of Object.keys(OPERATION_INPUT) as (keyof typeof OPERATION_INPUT)[]) {
      for (const env of ENVS) {
        const parsed = OPERATION_INPUT[type].safeParse(inputOf(type, env, CALLERS[0]!));
        expect(parsed.success, `${type} in ${env}: ${JSON.stringify(parsed.error?.issues)}`).toBe(true);
      }
    }
  });
});

describe.each(CALLERS)('$label', (caller) => {
  it.each(OPS)('%s: dev, staging, prod as the table says', async (op) => {
    // The three environments at once: their requests touch different changes.
    const answers = await Promise.all(
      ENVS.map(async (env) => {
        const { path, init, ticketId } = request(op, env, `Bearer ${bearers.get(caller.key)}`, caller);
        const res = await fetch(`${api.url}${path}`, init);
        return { env, ticketId, res, body: (await res.json()) as Record<string, any> };
      }),
    );
    const notes = answers.map(({ env, res, body }) => `${env}: ${res.status} ${body.failureType ?? ''} ${body.detail ?? ''}`.trim());
    expect(
      answers.map((a) => a.res.status),
      `${caller.label}, ${op}:\n  ${notes.join('\n  ')}`,
    ).toEqual(MATRIX[caller.role][op]);
    // What each status must come with, wherever it appears.
    for (const { env, ticketId, res, body } of answers) {
      if (res.status === 403) {
        expect(body.failureType).toBe('NotPermitted');
        if (ticketId) expect(await nothingStarted(`change/matrix/${ticketId}`), `a refused open started change/matrix/${ticketId}`).toBe(true);
      }
      if (res.status === 409) expect(body.failureType).toBe('OperatorActionRefused');
      if (res.status === 201) {
        expect(res.headers.get('location')).toBe(`/v1/changes/matrix/${ticketId}`);
        expect(body).toMatchObject({ id: `matrix/${ticketId}`, requestedBy: caller.auditName, state: 'Accepted' });
      }
      if (res.status === 200) expect(body).toMatchObject({ id: `matrix/target-${env}`, requestedBy: 'token:opener' });
    }
  });
});

/** Credentials that are not let in, each with the challenge it must get. */
const REFUSED: { label: string; authorization: () => string | undefined; challenge: RegExp }[] = [
  { label: 'no Authorization header', authorization: () => undefined, challenge: /^Bearer realm="fleetflow"$/ },
  { label: 'another scheme (Basic)', authorization: () => `Basic ${Buffer.from('admin:admin').toString('base64')}`, challenge: /^Bearer realm="fleetflow"$/ },
  { label: 'an API token the policy does not know', authorization: () => `Bearer ${generateApiToken()}`, challenge: /^Bearer realm="fleetflow", error="invalid_token", error_description="unknown API token/ },
  { label: 'a token that is neither an API token nor a JWT', authorization: () => 'Bearer not-a-token', challenge: /^Bearer realm="fleetflow", error="invalid_token", error_description="unknown token/ },
  { label: 'a signed JWT of an issuer the API does not trust', authorization: () => `Bearer ${foreignJwt}`, challenge: /^Bearer realm="fleetflow", error="invalid_token", error_description="/ },
];

describe.each(REFUSED)('$label', ({ authorization, challenge }) => {
  it.each(OPS)('%s: 401 with WWW-Authenticate in every environment, and nothing started', async (op) => {
    for (const env of ENVS) {
      const { path, init, ticketId } = request(op, env, authorization());
      const res = await fetch(`${api.url}${path}`, init);
      expect(res.status, `${op} in ${env}`).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(challenge);
      expect(((await res.json()) as { failureType: string }).failureType).toBe('Unauthenticated');
      if (ticketId) expect(await nothingStarted(`change/matrix/${ticketId}`)).toBe(true);
    }
  });
});
