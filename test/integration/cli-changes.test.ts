import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
import { ProviderRegistry } from '../../src/providers/registry.js';
import { registerCluster } from '../../src/temporal/messages/cluster.js';
import { runCli } from '../helpers/fake-cli.js';
import { eventually, FleetTestEnv, NAMESPACE } from '../helpers/fleet-env.js';
import { staticTokenAuth } from '../helpers/static-token-auth.js';
import { silentApiLogger } from '../helpers/api-logger.js';

/**
 * `fleetflow change ...` against the real API (over HTTP, with static API tokens) and a real
 * Temporal dev server: what the CLI prints and its exit code for the answers a user meets
 * (opened, already open, shown, listed, refused by four eyes, a bad input by field path).
 * The inventory is one registered cluster per environment; the dev upgrades it opens run and
 * are refused at once by the cluster's entity (it is only registered), so nothing real runs.
 */

const tokens = { alice: generateApiToken(), bob: generateApiToken() };
const access = AccessPolicySchema.parse({
  tokens: Object.entries(tokens).map(([name, token]) => ({ name, hash: hashApiToken(token) })),
  bindings: [
    { role: 'admin', tokens: ['alice'] },
    { role: 'approver', tokens: ['bob'] },
  ],
});

let fleet: FleetTestEnv;
let worker: Worker;
let running: Promise<void>;
let api: ServedApi;
let dir: string;
const saved = { url: process.env.FLEETFLOW_API_URL, token: process.env.FLEETFLOW_API_TOKEN };

const spec = (name: string, environment: string): ClusterSpecInput => ({ name, provider: 'local', environment });

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
  for (const s of [spec('cli-dev-1', 'dev'), spec('cli-prod-1', 'prod')]) {
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
  api = await serveApi(createApi({ client: fleet.client, namespace: NAMESPACE, taskQueue, access, authenticate: staticTokenAuth(access), uiBaseUrl: 'http://127.0.0.1:8233', logger: silentApiLogger }), { address: '127.0.0.1:0' });
  process.env.FLEETFLOW_API_URL = api.url;
  dir = mkdtempSync(join(tmpdir(), 'fleetflow-cli-changes-'));
});

afterAll(async () => {
  for (const [key, value] of [['FLEETFLOW_API_URL', saved.url], ['FLEETFLOW_API_TOKEN', saved.token]] as const) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
  await api?.close();
  worker?.shutdown();
  await running;
  await fleet?.teardown();
});

/** Runs `fleetflow ...` in-process as the holder of that token. */
function as(who: keyof typeof tokens, argv: string[]) {
  process.env.FLEETFLOW_API_TOKEN = tokens[who];
  return runCli(argv);
}

/** A change file in YAML, as a user writes it. */
function changeFile(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

const upgradeDev = (version: string) => `type: upgradeCluster
ticket: { system: jira, id: OPS-1 }
input:
  name: cli-dev-1
  version: "${version}"
`;

describe('fleetflow change open', () => {
  it('opens a change (201), says so again for the same file (200), and refuses another input for the ticket', async () => {
    const file = changeFile('open.yaml', upgradeDev('1.36'));
    const first = await as('alice', ['change', 'open', '-f', file]);
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toMatch(/^opened: change jira\/OPS-1 \(upgradeCluster\), Accepted\n {2}watch it: npx fleetflow change get jira\/OPS-1\n {2}Temporal UI: http:\/\/127\.0\.0\.1:8233\/namespaces\/fleetflow\/workflows\/change%2Fjira%2FOPS-1\/[\w-]+\/history$/);
    const again = await as('alice', ['change', 'open', '-f', file]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^already open \(same ticket, same input\): change jira\/OPS-1 \(upgradeCluster\), \w+\n/);
    const other = await as('alice', ['change', 'open', '-f', changeFile('other.yaml', upgradeDev('1.37'))]);
    expect(other.code).toBe(2);
    expect(other.stderr).toContain('input.version differs');
  });

  it('prints a validation problem with every field path, and exits 2', async () => {
    const file = changeFile('bad.yaml', `type: upgradeCluster
ticket: { system: jira, id: OPS-2 }
input:
  name: Not_A_Cluster
  version: latest
`);
    const res = await as('alice', ['change', 'open', '-f', file]);
    expect(res.code).toBe(2);
    expect(res.stdout).toBe('');
    expect(res.stderr).toMatch(/^error: 400 InvalidInput: /);
    expect(res.stderr).toContain('input.name: ');
    expect(res.stderr).toContain('input.version: ');
  });

  it('takes the ticket from --ticket', async () => {
    const res = await as('alice', ['change', 'open', '-f', changeFile('noticket.yaml', 'type: upgradeCluster\ninput: { name: cli-dev-1, version: "1.36" }\n'), '--ticket', 'jira/OPS-3', '-o', 'json']);
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ id: 'jira/OPS-3', requestedBy: 'token:alice' });
  });
});

describe('fleetflow change get and list', () => {
  it('shows one change with its requester and link; -o json is the API’s body', async () => {
    const res = await as('bob', ['change', 'get', 'jira/OPS-1']);
    expect(res.code).toBe(0);
    const lines = res.stdout.split('\n');
    expect(lines[0]).toMatch(/^change jira\/OPS-1: upgradeCluster, \w+$/);
    expect(lines[1]).toMatch(/^ {2}requested by token:alice at \d{4}-\d\d-\d\dT/);
    expect(lines.at(-1)).toMatch(/^ {2}Temporal UI: http:\/\/127\.0\.0\.1:8233\/namespaces\/fleetflow\/workflows\/change%2Fjira%2FOPS-1\//);
    const json = await as('bob', ['change', 'get', 'change/jira/OPS-1', '-o', 'json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ id: 'jira/OPS-1', type: 'upgradeCluster', requestedBy: 'token:alice' });
  });

  it('says which change is unknown, and what a change id looks like', async () => {
    const missing = await as('bob', ['change', 'get', 'jira/OPS-404']);
    expect(missing).toMatchObject({ code: 2, stdout: '' });
    expect(missing.stderr).toBe('error: 404 ChangeUnknown: no change jira/OPS-404\n');
    const bad = await as('bob', ['change', 'get', 'OPS-1']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('expected a change id SYSTEM/ID');
  });

  it('lists changes by ticket as a table', async () => {
    const res = await eventually(() => as('bob', ['change', 'list', '--ticket', 'jira/OPS-1']), (r) => r.stdout.includes('jira/OPS-1'));
    expect(res.code).toBe(0);
    const [header, row, more] = res.stdout.split('\n');
    expect(header).toMatch(/^CHANGE\s+TYPE\s+STATE\s+REQUESTED BY\s+AT$/);
    expect(row).toMatch(/^jira\/OPS-1\s+upgradeCluster\s+\w+\s+token:alice\s+\d{4}-/);
    expect(more).toBeUndefined();
  });
});

describe('fleetflow change approve', () => {
  it('refuses the requester’s own approval of a prod gate (four eyes, exit 2), and takes another person’s', async () => {
    const file = changeFile('prod.yaml', 'type: upgradeCluster\nticket: { system: jira, id: OPS-9 }\ninput: { name: cli-prod-1, version: "1.36" }\n');
    expect((await as('alice', ['change', 'open', '-f', file])).code).toBe(0);
    await eventually(() => as('bob', ['change', 'get', 'jira/OPS-9', '-o', 'json']), (r) => JSON.parse(r.stdout).state === 'WaitingForApproval');
    const self = await as('alice', ['change', 'approve', 'jira/OPS-9', '--reason', 'looks fine']);
    expect(self).toMatchObject({ code: 2, stdout: '' });
    expect(self.stderr).toBe('error: 403 NotPermitted: token:alice requested this change and may not approve its gate on prod: a second person must approve (four eyes)\n');
    const other = await as('bob', ['change', 'approve', 'jira/OPS-9', '--reason', 'CAB approved']);
    expect(other).toMatchObject({ code: 0, stderr: '' });
    expect(other.stdout).toMatch(/^approve: accepted; change jira\/OPS-9 is (Running|Failed|Succeeded)$/);
    const shown = await as('bob', ['change', 'get', 'jira/OPS-9']);
    expect(shown.stdout).toMatch(/\n {2}\S+ approve change:before by token:bob: CAB approved\n/);
  });

  it('exits 2 with the change’s own reason when the action does not apply', async () => {
    const res = await as('alice', ['change', 'pause', 'jira/OPS-1', '--reason', 'hold on']);
    expect(res.code).toBe(2);
    expect(res.stderr).toBe('error: 409 OperatorActionRefused: a upgradeCluster change acts on one cluster: it can be approved or aborted, not paused\n');
  });
});

describe('the API’s refusals of the caller', () => {
  it('exits 2 naming the token problem, never the token', async () => {
    process.env.FLEETFLOW_API_TOKEN = generateApiToken();
    const res = await runCli(['change', 'list']);
    expect(res.code).toBe(2);
    expect(res.stderr).toBe('error: 401 Unauthenticated: unknown API token: it matches no token of the access policy (revoked or mistyped?)\n');
    expect(res.stderr).not.toContain(process.env.FLEETFLOW_API_TOKEN);
  });
});
