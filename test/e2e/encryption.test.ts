import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePorts } from '../../src/providers/local/ports.js';
import { repoDir, Toolchain } from '../../src/host/toolchain.js';
import { dataFolderKeyFile } from '../../src/temporal/codec/load-keys.js';
import { launchBrowser } from '../helpers/browser.js';

// `fleetflow dev up` as a user runs it (no FLEETFLOW_CONFIG): payloads are encrypted with the
// data folder's key, `temporal workflow show` without a codec sees only ciphertext, the same
// command through the API's codec server sees the cluster spec, and so does the Temporal UI,
// which dev up pointed at the codec server. One dev server, one local cluster.
const exec = promisify(execFile);
const MARKER = 'codec-e2e: only inside encrypted payloads';
let env: NodeJS.ProcessEnv;
let dataDir: string;
let grpcPort: number;
let uiPort: number;
let apiPort: number;
/** Where the UI screenshot goes (outside the repo: never committed). */
const outDir = join(tmpdir(), 'fleetflow-test-output', 'encryption');

const ff = async (...args: string[]) => (await exec(process.execPath, [join(repoDir, 'src/cli/bin.mjs'), ...args], { env, timeout: 240_000 })).stdout;

/** `temporal workflow show --output json` with the real CLI, with extra flags (a codec endpoint). */
async function show(workflowId: string, ...flags: string[]): Promise<unknown> {
  const { stdout } = await exec(new Toolchain().temporal, ['workflow', 'show', '--address', `127.0.0.1:${grpcPort}`, '--namespace', 'fleetflow', '-w', workflowId, '--output', 'json', ...flags], {
    timeout: 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(stdout);
}

/** Every string in a JSON document, and the text of the base64 ones (payload data), to search. */
function texts(node: unknown, out: string[] = []): string[] {
  if (typeof node === 'string') {
    out.push(node);
    if (/^[A-Za-z0-9+/]+={0,2}$/.test(node) && node.length % 4 === 0) out.push(Buffer.from(node, 'base64').toString('latin1'));
  } else if (Array.isArray(node)) node.forEach((n) => texts(n, out));
  else if (node && typeof node === 'object') Object.values(node).forEach((n) => texts(n, out));
  return out;
}
const mentions = (history: unknown, text: string) => texts(history).some((t) => t.includes(text));

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'fleetflow-enc-'));
  mkdirSync(outDir, { recursive: true });
  [grpcPort, uiPort, apiPort] = (await freePorts(3)) as [number, number, number];
  const { FLEETFLOW_CONFIG: _ownConfig, ...rest } = process.env;
  env = { ...rest, FLEETFLOW_DATA: dataDir, TEMPORAL_ADDRESS: `127.0.0.1:${grpcPort}`, FLEETFLOW_UI_PORT: String(uiPort), FLEETFLOW_API_ADDRESS: `127.0.0.1:${apiPort}` };
});

afterAll(async () => {
  await ff('dev', 'down').catch(() => undefined);
  rmSync(dataDir, { recursive: true, force: true });
});

it('stores a provision encrypted, and shows it decoded through the codec server, in the CLI and the UI', async () => {
  const up = await ff('dev', 'up');
  expect(up).toMatch(/encryption on: AES-256-GCM with key local-[0-9a-f]{12}, /);
  expect(statSync(dataFolderKeyFile(dataDir)).mode & 0o777).toBe(0o600);

  const spec = join(dataDir, 'enc.yaml');
  writeFileSync(spec, `name: enc-a\nprovider: local\nenvironment: dev\ndescription: "${MARKER}"\n`);
  expect(await ff('clusters', 'provision', '-f', spec)).toContain('provisionCluster enc-a: done');

  // Without the codec: ciphertext only, marked with its key id.
  const raw = await show('provision/enc-a');
  expect(mentions(raw, MARKER)).toBe(false);
  expect(mentions(raw, 'binary/encrypted')).toBe(true);
  // Through the API's codec server (the dev admin token; admin grants codec).
  const token = readFileSync(join(dataDir, 'api', 'dev-admin.token'), 'utf8').trim();
  const codec = [`--codec-endpoint`, `http://127.0.0.1:${apiPort}/codec`, '--codec-auth', `Bearer ${token}`];
  const decoded = await show('provision/enc-a', ...codec);
  expect(mentions(decoded, MARKER)).toBe(true);
  expect(mentions(decoded, 'binary/encrypted')).toBe(false);
  // Without a token the codec server lets nothing through (the CLI sends no browser Origin).
  await expect(show('provision/enc-a', '--codec-endpoint', `http://127.0.0.1:${apiPort}/codec`)).rejects.toThrow();

  // The UI, started by dev up with --ui-codec-endpoint, shows the decoded input.
  const runId = (decoded as { events: { workflowExecutionStartedEventAttributes?: { originalExecutionRunId?: string } }[] }).events[0]!.workflowExecutionStartedEventAttributes!.originalExecutionRunId!;
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${uiPort}/namespaces/fleetflow/workflows/${encodeURIComponent('provision/enc-a')}/${runId}/history`);
    try {
      await page.getByText(MARKER).first().waitFor({ timeout: 60_000 });
    } finally {
      await page.screenshot({ path: join(outDir, 'provision-decoded.png'), fullPage: true });
    }
  } finally {
    await browser.close();
  }

  // A bundle over the payload limit is refused before it is sent, with the size and the limit.
  const huge = join(dataDir, 'huge.yaml');
  const blob = 'x'.repeat(2_200_000);
  writeFileSync(
    huge,
    `selector: { matchLabels: { team: none } }\nplan:\n  stages:\n    - { name: all }\nbundle:\n  name: huge\n  revision: v1\n  manifests:\n    - { apiVersion: v1, kind: ConfigMap, metadata: { name: big, namespace: default }, data: { blob: "${blob}" } }\n`,
  );
  await expect(ff('rollout', 'start', '-f', huge, '--id', 'rollout/huge', '--no-wait')).rejects.toMatchObject({
    code: 2,
    stderr: expect.stringMatching(/rollout start: the payload is 2\.\d\d MiB \([\d,]+ bytes\) after encoding; Fleetflow sends at most 1\.94 MiB \(2,031,616 bytes\)/),
  });
});
