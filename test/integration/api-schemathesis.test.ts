import { execFile } from 'node:child_process';
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
import { readFleet } from '../../src/temporal/fleet-inventory.js';
import { eventually, FleetTestEnv, NAMESPACE } from '../helpers/fleet-env.js';
import { schemathesisBin } from '../helpers/schemathesis.js';
import { staticTokenAuth } from '../helpers/static-token-auth.js';
import { collectApiErrors } from '../helpers/api-logger.js';

/**
 * Schemathesis (PyPI, from the tools cache) against the API's own OpenAPI document, served
 * in-process over a real Temporal dev server, as an admin with a static API token: every
 * operation gets generated requests, valid and invalid, and every answer must be no 5xx, a
 * status the document lists for the operation, the content type it lists, a body matching
 * its schema, and the headers it documents.
 *
 * The path parameters are those of things that exist, so that the tests reach past 404: the
 * change st/CHG-1 (a fleet decommission of the prod cluster, waiting at its prod gate, opened
 * by another admin so that four eyes lets the fuzzer act on it) and the cluster st-dev-1.
 * What it may start stays harmless: the worker has no provider at all, so any provision,
 * upgrade or decommission fails at once (the inventory's two clusters are only registered),
 * and nothing leaves this machine (callbackUrl is refused: no host is allowed). Bounded for
 * CI: a fixed seed, one worker, few examples per operation.
 */

const token = generateApiToken();
const opener = generateApiToken();
const access = AccessPolicySchema.parse({
  tokens: [
    { name: 'fuzzer', hash: hashApiToken(token) },
    { name: 'opener', hash: hashApiToken(opener) },
  ],
  bindings: [{ role: 'admin', tokens: ['fuzzer', 'opener'] }],
});
const CHECKS = ['not_a_server_error', 'status_code_conformance', 'content_type_conformance', 'response_schema_conformance', 'response_headers_conformance'];

let fleet: FleetTestEnv;
let worker: Worker;
let running: Promise<void>;
let api: ServedApi;
let workDir: string;
const unexpected: string[] = [];

const spec = (name: string, environment: string): ClusterSpecInput => ({ name, provider: 'local', environment, labels: { team: 'web' } });

beforeAll(async () => {
  fleet = await FleetTestEnv.create();
  const taskQueue = fleet.newTaskQueue();
  worker = await Worker.create({
    connection: fleet.env.nativeConnection,
    namespace: NAMESPACE,
    taskQueue,
    workflowBundle: fleet.bundle,
    activities: createActivities({ client: fleet.client, providers: new ProviderRegistry([]) }),
  });
  running = worker.run();
  for (const s of [spec('st-dev-1', 'dev'), spec('st-prod-1', 'prod')]) {
    await fleet.client.workflow.executeUpdateWithStart(registerCluster, {
      args: [s],
      startWorkflowOperation: new WithStartWorkflowOperation(CLUSTER_ENTITY_TYPE, { workflowId: clusterEntityId(s.name), taskQueue, args: [{ spec: s }], workflowIdConflictPolicy: 'USE_EXISTING', staticSummary: entitySummary(ClusterSpecSchema.parse(s)) }),
    });
  }
  api = await serveApi(
    createApi({
      client: fleet.client,
      namespace: NAMESPACE,
      taskQueue,
      access,
      authenticate: staticTokenAuth(access),
      uiBaseUrl: 'http://127.0.0.1:8233',
      // Schemathesis sends as fast as it can; the rate limit has its own test (api-errors).
      limits: { rate: { ratePerSecond: 10_000, burst: 10_000 }, requestTimeoutMs: 20_000 },
      logger: collectApiErrors(unexpected),
    }),
    { address: '127.0.0.1:0' },
  );
  workDir = mkdtempSync(join(tmpdir(), 'fleetflow-schemathesis-'));
  writeFileSync(join(workDir, 'schemathesis.toml'), '[parameters]\n"path.system" = "st"\n"path.ticketId" = "CHG-1"\n"path.name" = "st-dev-1"\n');

  // The change every change route's path names, waiting at its gate before anything runs.
  await eventually(() => readFleet(fleet.client, { environments: ['prod'] }), (found) => found.length === 1);
  const headers = { authorization: `Bearer ${opener}`, 'content-type': 'application/json' };
  const body = { type: 'fleetDecommission', ticket: { system: 'st', id: 'CHG-1' }, input: { selector: { environments: ['prod'] }, reason: 'fuzzed' } };
  const opened = await fetch(`${api.url}/v1/changes`, { method: 'POST', headers, body: JSON.stringify(body) });
  expect(opened.status, await opened.clone().text()).toBe(201);
  await eventually(() => fetch(`${api.url}/v1/changes/st/CHG-1`, { headers }).then((r) => r.json() as Promise<{ waitingAt?: { gate: string } }>), (c) => c.waitingAt?.gate === 'decommission:before');
});

afterAll(async () => {
  await api?.close();
  worker?.shutdown();
  await running;
  await fleet?.teardown();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

/** Runs `st run` to its end (asynchronously: this process serves the API it tests). */
function schemathesis(args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      schemathesisBin(),
      args,
      // HOME and the working directory in a scratch folder: schemathesis writes nothing into the clone.
      { cwd: workDir, env: { ...process.env, HOME: workDir, NO_COLOR: '1', PYTHONIOENCODING: 'utf-8' }, timeout: 150_000, maxBuffer: 32 * 1024 * 1024 },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, output: `${stdout}${stderr}` }),
    );
  });
}

describe('schemathesis against /openapi.json', () => {
  it('finds no server error and no answer that differs from the document', async () => {
    const run = await schemathesis([
      '--config-file',
      join(workDir, 'schemathesis.toml'),
      'run',
      `${api.url}/openapi.json`,
      '--header',
      `Authorization: Bearer ${token}`,
      '--checks',
      CHECKS.join(','),
      '--phases',
      'examples,coverage,fuzzing',
      '--max-examples',
      '25',
      '--seed',
      '20250611',
      '--workers',
      '1',
      '--generation-database',
      'none',
      '--request-timeout',
      '30',
      '--no-color',
      '--output-truncate',
      'false',
    ]);
    expect(run.output).not.toContain(token);
    expect(run.code, run.output).toBe(0);
    // Every operation of the document was tested, none skipped.
    const doc = (await (await fetch(`${api.url}/openapi.json`)).json()) as { paths: Record<string, object> };
    const operations = Object.values(doc.paths).reduce((n, ops) => n + Object.keys(ops).length, 0);
    expect(run.output, run.output).toMatch(new RegExp(`Selected: ${operations}/${operations}\\s+Tested: ${operations}\\b`));
    // Every operation of the document was tested.
    expect(unexpected, unexpected.join('\n')).toEqual([]);
  }, 240_000);
});
