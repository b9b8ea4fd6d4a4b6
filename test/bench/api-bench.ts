// Measures the change-management API under a change system's steady load: autocannon at 50
// requests/s on loopback, for SECONDS (default 30, else BENCH_API_SECONDS) each, against
//   GET  /v1/changes/{id}   (a change system polling its change)
//   POST /v1/changes        (the same ticket again: the idempotent repeat a retrying caller sends)
// served in-process (createApi + serveApi, the default limits) over a real Temporal dev server
// with a worker running the real workflows and activities in its own process (workers/main.ts,
// as `fleetflow dev up` runs it beside the API); autocannon runs in a thread of its own. The
// change is an upgradeCluster of a
// prod cluster with a callbackUrl: it waits at its gate (nobody approves it), so every request
// reads a running change, its operation's state and its callbacks' deliveries through Temporal.
// It prints p50/p99 latency and errors against the target (p99 < 100 ms, 0 errors) as figures,
// not as a verdict, and the machine's load averages, which the figures depend on.
//   node --import tsx test/bench/api-bench.ts [SECONDS]
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { WithStartWorkflowOperation } from '@temporalio/client';
import autocannon, { type AutocannonRequest, type AutocannonResult } from 'autocannon';
import { generateApiToken, hashApiToken } from '../../src/api/auth/api-tokens.js';
import { createAuthenticator } from '../../src/api/auth/authenticator.js';
import { createApi, DEFAULT_LIMITS } from '../../src/api/app.js';
import { serveApi } from '../../src/api/server.js';
import { loadConfigFile } from '../../src/config.js';
import { AccessPolicySchema } from '../../src/domain/auth/policy.js';
import { CLUSTER_ENTITY_TYPE, clusterEntityId, entitySummary } from '../../src/domain/cluster/inventory.js';
import { ClusterSpecSchema } from '../../src/domain/cluster/spec.js';
import { getChange } from '../../src/temporal/messages/change-queries.js';
import { registerCluster } from '../../src/temporal/messages/cluster.js';
import { eventually, FleetTestEnv, NAMESPACE } from '../helpers/fleet-env.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';
import { apiErrorsToConsole } from '../helpers/api-logger.js';

const seconds = Number(process.argv[2] ?? process.env.BENCH_API_SECONDS ?? 30);
// The API's change-read sharing (ApiLimits.readFreshMs): its default unless BENCH_API_READ_FRESH_MS says (0: every read asks Temporal).
const readFreshMs = Number(process.env.BENCH_API_READ_FRESH_MS ?? DEFAULT_LIMITS.readFreshMs);
if (!Number.isInteger(readFreshMs) || readFreshMs < 0) throw new Error(`api bench: BENCH_API_READ_FRESH_MS must be a whole number of ms >= 0, not ${process.env.BENCH_API_READ_FRESH_MS}`);
if (!Number.isFinite(seconds) || seconds < 1) throw new Error(`api bench: the duration must be a number of seconds >= 1, not ${process.argv[2] ?? process.env.BENCH_API_SECONDS}`);
/** The line after which the figures come on stdout (main.ts shows only those; keep the two alike). */
const FIGURES_MARK = '-- api figures --';
const RATE = 50;
const TARGET_P99_MS = 100;
// The default rate limit is 20 requests/s per principal (bursts of 40): the load comes from four
// change systems, each polling at 12.5/s, so the limit stays as configured and is not what is measured.
const PRINCIPALS = 4;
const log = (s: string) => process.stderr.write(`${s}\n`);
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');

const tokens = Array.from({ length: PRINCIPALS }, (_, i) => ({ name: `change-system-${i + 1}`, token: generateApiToken() }));
const access = AccessPolicySchema.parse({
  tokens: tokens.map((t) => ({ name: t.name, hash: hashApiToken(t.token) })),
  bindings: [{ role: 'prod-operator', tokens: tokens.map((t) => t.name) }],
});
const secret = `whsec_${randomBytes(32).toString('base64')}`;
// The worker process inherits it; the config file names it by reference.
process.env.FLEETFLOW_BENCH_WEBHOOK_SECRET = secret;
const CONFIG = `webhooks:
  secrets: { bench: { env: FLEETFLOW_BENCH_WEBHOOK_SECRET } }
  callbackSecret: bench
  allowedCallbackHosts: ["http://127.0.0.1:*"]
`;

/** The median time of 20 calls of `fn`, one after the other, in ms (one decimal). */
async function medianMs(fn: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return Math.round(times[10]! * 10) / 10;
}

/** One line of figures for a case, and whether it met the target. */
function figures(name: string, r: AutocannonResult): { line: string; json: Record<string, unknown> } {
  const errors = r.errors + r.timeouts + r.non2xx;
  const met = r.latency.p99 < TARGET_P99_MS && errors === 0;
  const json = { case: name, seconds, rate: RATE, requests: r.requests.total, p50Ms: r.latency.p50, p99Ms: r.latency.p99, maxMs: r.latency.max, errors: r.errors, timeouts: r.timeouts, non2xx: r.non2xx };
  const line = `${name}: ${r.requests.total} requests in ${seconds} s at ${RATE}/s: p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, max ${r.latency.max} ms; errors ${errors} (${r.errors} connection, ${r.timeouts} timeouts, ${r.non2xx} non-2xx); target p99 < ${TARGET_P99_MS} ms, 0 errors: ${met ? 'met' : 'NOT met'}`;
  return { line, json };
}

const fleet = await FleetTestEnv.create();
const receiver = await WebhookReceiver.start({ secret });
const configFile = join(fleet.dataDir, 'bench-config.yaml');
const workerLog = join(fleet.dataDir, 'worker.log');
let served: Awaited<ReturnType<typeof serveApi>> | undefined;
try {
  writeFileSync(configFile, CONFIG);
  const { webhooks } = loadConfigFile(configFile);
  const taskQueue = fleet.newTaskQueue();
  fleet.spawnWorker(taskQueue, workerLog, { env: { FLEETFLOW_CONFIG: configFile } });
  // The inventory: one registered prod cluster (registered is all the policy and the gate need);
  // the update waits for the worker to be up.
  const spec = { name: 'bench-prod-1', provider: 'local', environment: 'prod', labels: { team: 'web' } } as const;
  await fleet.client.workflow.executeUpdateWithStart(registerCluster, {
    args: [spec],
    startWorkflowOperation: new WithStartWorkflowOperation(CLUSTER_ENTITY_TYPE, { workflowId: clusterEntityId(spec.name), taskQueue, args: [{ spec }], workflowIdConflictPolicy: 'USE_EXISTING', staticSummary: entitySummary(ClusterSpecSchema.parse(spec)) }),
  });
  served = await serveApi(createApi({ client: fleet.client, namespace: NAMESPACE, taskQueue, access, authenticate: createAuthenticator({ policy: access }), webhooks, uiBaseUrl: 'http://127.0.0.1:8233', logger: apiErrorsToConsole, limits: { readFreshMs } }), { address: '127.0.0.1:0' });
  const api = served.url;
  const body = JSON.stringify({ type: 'upgradeCluster', ticket: { system: 'servicenow', id: 'CHGBENCH1' }, input: { name: spec.name, version: '1.36' }, callbackUrl: receiver.url });
  const auth = (t: { token: string }) => ({ authorization: `Bearer ${t.token}` });
  const opened = await fetch(`${api}/v1/changes`, { method: 'POST', headers: { ...auth(tokens[0]!), 'content-type': 'application/json' }, body });
  if (opened.status !== 201) throw new Error(`opening the change answered ${opened.status}: ${await opened.text()}`);
  const path = opened.headers.get('location')!;
  // Steady state: the change waits at its gate and its first two events were delivered.
  await eventually(
    async () => (await fetch(`${api}${path}`, { headers: auth(tokens[0]!) }).then((r) => r.json())) as { state: string; deliveries?: { state: string }[] },
    (c) => c.state === 'WaitingForApproval' && c.deliveries?.length === 2 && c.deliveries.every((d) => d.state === 'delivered'),
    120_000,
  );
  // Warm up both routes (connections, the worker's cache of the change) before measuring.
  for (const t of tokens) {
    await fetch(`${api}${path}`, { headers: auth(t) }).then((r) => r.arrayBuffer());
    await fetch(`${api}/v1/changes`, { method: 'POST', headers: { ...auth(t), 'content-type': 'application/json' }, body }).then((r) => r.arrayBuffer());
  }

  // One request at a time, for scale: what a request costs without load, and its Temporal calls.
  const handle = fleet.client.workflow.getHandle('change/servicenow/CHGBENCH1');
  const alone = {
    getMs: await medianMs(() => fetch(`${api}${path}`, { headers: auth(tokens[0]!) }).then((r) => r.arrayBuffer())),
    describeMs: await medianMs(() => handle.describe()),
    queryMs: await medianMs(() => handle.query(getChange)),
  };
  log(`api bench: one at a time (medians of 20): GET ${alone.getMs} ms; its Temporal calls: describe ${alone.describeMs} ms, query ${alone.queryMs} ms`);

  const run = (requests: AutocannonRequest[], duration = seconds) => autocannon({ url: api, workers: 1, connections: 25, overallRate: RATE, duration, requests });
  const gets = tokens.map((t): AutocannonRequest => ({ method: 'GET', path, headers: auth(t) }));
  const posts = tokens.map((t): AutocannonRequest => ({ method: 'POST', path: '/v1/changes', headers: { ...auth(t), 'content-type': 'application/json' }, body }));
  // 3 s of both at the rate, not counted: the first second of load (compiling the hot paths) is not the steady state.
  await run([...gets, ...posts], 3);
  const results: ReturnType<typeof figures>[] = [];
  log(`api bench: ${seconds} s per case at ${RATE} requests/s, ${PRINCIPALS} principals, change reads shared for ${readFreshMs} ms; load average before: ${load()}`);
  results.push(figures('GET /v1/changes/{id}', await run(gets)));
  log(`api bench: load average after GET: ${load()}`);
  results.push(figures('POST /v1/changes (repeat)', await run(posts)));
  log(`api bench: load average after POST: ${load()}`);
  // Closed while the worker runs, so that requests autocannon left unanswered finish first.
  await served.close();
  served = undefined;
  // The dev server prints its banner on this process's stdout too: the figures follow this line.
  console.log(FIGURES_MARK);
  for (const r of results) console.log(r.line);
  console.log(`one request at a time (medians of 20): GET ${alone.getMs} ms; Temporal describe ${alone.describeMs} ms, query ${alone.queryMs} ms`);
  console.log(JSON.stringify({ loadAverage: loadavg().map((l) => Math.round(l * 100) / 100), alone, cases: results.map((r) => r.json) }));
} catch (e) {
  log(`api bench failed; the worker's log ends with:\n${existsSync(workerLog) ? readFileSync(workerLog, 'utf8').split('\n').slice(-20).join('\n') : '(no log)'}`);
  throw e;
} finally {
  await served?.close();
  await receiver.close();
  await fleet.teardown();
}
