import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker, type WorkflowBundle } from '@temporalio/worker';
import { createActivities } from '../../activities/index.js';
import { createApi } from '../../src/api/app.js';
import { createAuthenticator } from '../../src/api/auth/authenticator.js';
import { serveApi, type ServedApi } from '../../src/api/server.js';
import { DEFAULT_ACCESS_POLICY } from '../../src/domain/auth/policy.js';
import { LocalProvider } from '../../src/providers/local/index.js';
import { freePorts } from '../../src/providers/local/ports.js';
import { ProviderRegistry } from '../../src/providers/registry.js';
import { ALL_SEARCH_ATTRIBUTES } from '../../src/temporal/search-attributes.js';
import { repoDir, Toolchain } from '../../src/host/toolchain.js';
import { workflowBundleOptions, workflowsPath } from '../../workers/bundle.js';
import { seedDataFolderKey, testDataConverter, testEncryptionPlugin } from './test-encryption.js';
import type { TestEngine } from './test-engine.js';
import { silentApiLogger } from './api-logger.js';
import { scanHistoriesForSecrets } from './history-secrets.js';

export const NAMESPACE = 'fleetflow';

/**
 * One real Temporal dev server (the installed CLI binary, never a download), one workflow
 * bundle and one local-provider data folder per test file. Each test gets its own task queue;
 * workers run only inside the test. `teardown` deletes every local cluster the file made and
 * stops the server and any worker process. Everything runs encrypted with the test key: the
 * environment's client, every Worker made on its connection, and the worker and CLI processes
 * (their data folder holds the test key as its generated key).
 */
export class FleetTestEnv {
  private readonly children = new Set<ChildProcess>();

  private constructor(
    readonly env: TestWorkflowEnvironment,
    readonly bundle: WorkflowBundle,
    readonly dataDir: string,
    readonly local: LocalProvider,
    /** The dev server's web UI (http://127.0.0.1:PORT), when created with `ui: true`. */
    readonly uiUrl?: string,
    /** The codec server the UI decodes with (http://127.0.0.1:PORT/codec), when created with `ui: true`. */
    private readonly codecServer?: ServedApi,
    /** The server when created with `engine` (stopped by teardown); else the SDK's dev server of `env`. */
    private readonly engine?: TestEngine,
  ) {}

  /** The namespace every client and worker of this environment uses. */
  get namespace(): string {
    return this.engine?.namespace ?? NAMESPACE;
  }

  /** Where the UI's codec server answers, when created with `ui: true`. */
  get codecUrl(): string | undefined {
    return this.codecServer ? `${this.codecServer.url}/codec` : undefined;
  }

  /**
   * `ui: true` also serves the Temporal web UI on a free port (for tests that follow its links),
   * pointed at a codec server with the test key, as `fleetflow dev up` does: the UI shows
   * decoded inputs, results and queries, and encodes what it sends. `engine` starts the server
   * another way (test/helpers/test-engine.ts) instead of the SDK's dev server.
   */
  static async create(opts: { ui?: boolean; engine?: () => Promise<TestEngine> } = {}): Promise<FleetTestEnv> {
    const toolchain = new Toolchain();
    // Expected failures (bad input, refusals) would otherwise print stack traces at WARN.
    Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } } });
    const [uiPort, codecPort] = opts.ui ? await freePorts(2) : [];
    const dataDir = mkdtempSync(join(tmpdir(), 'fleetflow-test-'));
    seedDataFolderKey(dataDir);
    const engine = opts.engine ? await opts.engine() : undefined;
    const env = engine ? await TestWorkflowEnvironment.createFromExistingServer({ address: engine.address, namespace: engine.namespace, plugins: [testEncryptionPlugin] }) : await TestWorkflowEnvironment.createLocal({
      plugins: [testEncryptionPlugin],
      server: {
        executable: { type: 'existing-path', path: toolchain.temporal },
        ip: '127.0.0.1',
        namespace: NAMESPACE,
        searchAttributes: ALL_SEARCH_ATTRIBUTES,
        ...(uiPort ? { ui: true, uiPort, extraArgs: ['--ui-codec-endpoint', `http://127.0.0.1:${codecPort}/codec`] } : { ui: false }),
        log: { format: 'pretty', level: 'error' },
      },
    });
    const bundle = await bundleWorkflowCode({ workflowsPath, ...workflowBundleOptions, logger: quietLogger });
    const uiUrl = uiPort ? `http://127.0.0.1:${uiPort}` : undefined;
    const codec = uiUrl ? await serveUiCodec(env.client, uiUrl, codecPort!) : undefined;
    return new FleetTestEnv(env, bundle, dataDir, new LocalProvider({ dataDir, toolchain }), uiUrl, codec, engine);
  }

  get client(): Client {
    return this.env.client;
  }

  /** The data converter of this environment's clients and workers, for a Client a test makes itself. */
  get dataConverter() {
    return testDataConverter;
  }

  newTaskQueue(): string {
    return `test-${randomUUID()}`;
  }

  /** Runs an in-process worker for the duration of `fn` (providers: this file's local one by default). */
  async withWorker<T>(taskQueue: string, fn: () => Promise<T>, opts: { providers?: ProviderRegistry } = {}): Promise<T> {
    const worker = await Worker.create({
      connection: this.env.nativeConnection,
      namespace: this.namespace,
      taskQueue,
      workflowBundle: this.bundle,
      activities: createActivities({ client: this.env.client, providers: opts.providers ?? new ProviderRegistry([this.local]) }),
    });
    return worker.runUntil(fn());
  }

  /**
   * Starts workers/main.ts (or another entry, e.g. test/helpers/gated-worker.ts) as its own
   * process, so a test can SIGKILL it, logging to a file.
   */
  spawnWorker(taskQueue: string, logFile: string, opts: { entry?: string; env?: NodeJS.ProcessEnv; args?: string[] } = {}): ChildProcess {
    const child = spawn(process.execPath, ['--import', 'tsx', opts.entry ?? join(repoDir, 'workers', 'main.ts'), ...(opts.args ?? [])], {
      cwd: repoDir,
      env: {
        ...process.env,
        // Many test workers run at once: none binds the default metrics port unless a test asks.
        FLEETFLOW_METRICS_ADDRESS: 'off',
        ...opts.env,
        TEMPORAL_ADDRESS: this.engine?.address ?? this.env.address,
        TEMPORAL_NAMESPACE: this.namespace,
        FLEETFLOW_TASK_QUEUE: taskQueue,
        FLEETFLOW_DATA: this.dataDir,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const log = createWriteStream(logFile, { flags: 'a' });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    this.children.add(child);
    child.on('exit', () => this.children.delete(child));
    return child;
  }

  /** Environment for running the `fleetflow` CLI against this server and data folder. */
  cliEnv(taskQueue: string): NodeJS.ProcessEnv {
    return {
      ...process.env,
      TEMPORAL_ADDRESS: this.engine?.address ?? this.env.address,
      TEMPORAL_NAMESPACE: this.namespace,
      FLEETFLOW_TASK_QUEUE: taskQueue,
      FLEETFLOW_DATA: this.dataDir,
    };
  }

  /**
   * Stops everything; first scans every history the file left for key material, tokens and
   * kubeconfigs (test/helpers/history-secrets.ts) and fails the file if one holds any.
   */
  async teardown(): Promise<void> {
    for (const child of this.children) child.kill('SIGKILL');
    const scan = await scanHistoriesForSecrets(this.env.client).catch((e: unknown) => ({ scanned: 0, findings: [`the scan failed: ${String(e)}`] }));
    for (const c of await this.local.list()) await this.local.delete({ name: c.name, region: 'local' });
    rmSync(this.dataDir, { recursive: true, force: true });
    await this.codecServer?.close();
    await this.env.teardown();
    await this.engine?.stop();
    if (scan.findings.length) throw new Error(`secrets in ${scan.findings.length} of ${scan.scanned} workflow histories:\n${scan.findings.join('\n')}`);
  }
}

/**
 * The codec server of the test UI: the API's codec routes with the test key, open without a
 * token only to the UI's own origin from loopback (the `dev up` exception); nobody is bound, so
 * every other caller is refused.
 */
async function serveUiCodec(client: Client, uiUrl: string, port: number): Promise<ServedApi> {
  const app = createApi({
    client,
    namespace: NAMESPACE,
    taskQueue: 'unused',
    access: DEFAULT_ACCESS_POLICY,
    authenticate: createAuthenticator({ policy: DEFAULT_ACCESS_POLICY }),
    uiBaseUrl: uiUrl,
    codec: { payloadCodecs: testDataConverter.payloadCodecs!, corsOrigins: [uiUrl], devOrigin: uiUrl },
    logger: silentApiLogger,
  });
  return serveApi(app, { address: `127.0.0.1:${port}` });
}

const quietLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (m: string) => console.warn(m),
  error: (m: string) => console.error(m),
};

/** Polls `fn` until it returns a value that `done` accepts (visibility is eventually consistent). */
export async function eventually<T>(fn: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await fn();
  while (!done(last)) {
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms; last value: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 250));
    last = await fn();
  }
  return last;
}
