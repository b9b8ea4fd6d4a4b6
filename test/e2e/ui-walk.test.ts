import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePorts } from '../../src/providers/local/ports.js';
import { repoDir } from '../../src/host/toolchain.js';
import { launchBrowser } from '../helpers/browser.js';

/**
 * What an operator does in the Temporal UI, in headless Chromium, on the system `fleetflow dev
 * up` starts (the dev server with its UI settings, the worker, real local clusters): find
 * clusters with a search-attribute query, open an upgrade wave held at its approval gate, read
 * its details and its progress query, approve it with the UI's update form, and start a
 * provision from "Start Workflow" with the README's JSON. Each step leaves a screenshot in
 * test-output/ui-walk/. Every wait is for what the operator would see, and what it waits for
 * is held by the workflow (the gate) until the UI acts.
 */

const exec = promisify(execFile);
const SHOTS = join(repoDir, 'test-output', 'ui-walk');
const WAVE = 'upgrade-wave/ui-walk';
let env: NodeJS.ProcessEnv;
let dataDir: string;
let ui: string;

const ff = async (...args: string[]) =>
  (await exec(process.execPath, [join(repoDir, 'src/cli/bin.mjs'), ...args], { env, timeout: 240_000 })).stdout;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  dataDir = mkdtempSync(join(tmpdir(), 'fleetflow-ui-'));
  const [grpc, uiPort, api] = await freePorts(3);
  ui = `http://127.0.0.1:${uiPort}`;
  const { FLEETFLOW_CONFIG: _ownConfig, FLEETFLOW_UI_URL: _ownUi, ...rest } = process.env;
  env = { ...rest, FLEETFLOW_DATA: dataDir, TEMPORAL_ADDRESS: `127.0.0.1:${grpc}`, FLEETFLOW_UI_PORT: String(uiPort), FLEETFLOW_API_ADDRESS: `127.0.0.1:${api}`, USER: 'ui-test' };
  await ff('dev', 'up');
});

afterAll(async () => {
  await ff('dev', 'down').catch(() => undefined);
  rmSync(dataDir, { recursive: true, force: true });
});

/** The README's provisionCluster input (section "Workflows"). */
const README_PROVISION = { spec: { name: 'web-1', provider: 'local', environment: 'dev', labels: { team: 'web' } }, requestedBy: 'alice' };

const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
/** Waits until the operator can see `text` (hidden copies, e.g. in closed menus, do not count). */
const sees = (page: Page, text: string | RegExp) => page.getByText(text).filter({ visible: true }).first().waitFor();
/** The UI renders summaries and details (markdown) in iframes: "user-metadata-summary", "-details", "-current-details". */
const metadata = (page: Page, part: 'summary' | 'details' | 'current-details') => page.frameLocator(`#user-metadata-${part}`);
const seesIn = (page: Page, part: 'summary' | 'details' | 'current-details', text: string) => metadata(page, part).getByText(text).first().waitFor();
const workflowPage = (id: string) => `${ui}/namespaces/fleetflow/workflows/${encodeURIComponent(id)}`;

it('walks an operator through the Temporal UI: clusters by query, a wave held at its gate, approve by update, a provision from Start Workflow', async () => {
  // A staging cluster, and a wave that upgrades it behind an approval gate.
  const spec = join(dataDir, 'stg.yaml');
  writeFileSync(spec, 'name: ui-stg\nprovider: local\nenvironment: staging\nkubernetesVersion: "1.35"\nlabels: {team: shop}\nnodePools: [{name: default, nodeCount: 1}]\n');
  const provisioned = await ff('clusters', 'provision', '-f', spec);
  expect(provisioned).toContain(`ui: ${ui}/namespaces/fleetflow/workflows/provision%2Fui-stg/`);
  const plan = join(dataDir, 'wave.yaml');
  writeFileSync(plan, 'targets:\n  - selector: { environments: [staging] }\n    version: "1.36"\nsequence:\n  - { name: staging, environments: [staging] }\nsoak: 0s\napproval: before\n');
  const started = await ff('upgrade', 'start', '-f', plan, '--id', WAVE, '--no-wait');
  expect(started).toContain(`ui: ${workflowPage(WAVE)}`);

  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });

    // 1. The inventory: clusters are entities listed by a search-attribute query.
    await page.goto(`${ui}/namespaces/fleetflow/workflows?query=${encodeURIComponent('FleetEnvironment="staging"')}`);
    const row = page.getByRole('link', { name: 'cluster/ui-stg' });
    await row.waitFor({ timeout: 60_000 });
    expect(await page.getByRole('link', { name: WAVE }).count()).toBe(0); // only clusters carry FleetEnvironment
    await shot(page, '1-clusters-by-environment');

    // 2. The wave: its summary, static details and current details (held at the gate).
    await page.goto(workflowPage(WAVE));
    await page.getByTestId('user-metadata-tab').click();
    await seesIn(page, 'summary', 'upgrade wave to 1.36 (staging)');
    await seesIn(page, 'details', 'environments: [staging] -> 1.36');
    await seesIn(page, 'details', 'approval: before each stage');
    await seesIn(page, 'current-details', 'stage staging: waiting for approval of gate staging:before');
    await shot(page, '2-wave-summary-and-details');

    // 3. The progress query, picked by its description.
    await page.getByTestId('queries-tab').click();
    await page.getByTestId('query-select-button').click();
    await page.getByRole('option', { name: /getWaveProgress.*Per-stage and per-cluster status/ }).click();
    await page.getByRole('button', { name: 'Run Query' }).click();
    await sees(page, /AwaitingApproval/);
    await shot(page, '3-wave-progress-query');

    // 4. Approve: the update form lists the wave's updates with their descriptions.
    await page.getByRole('button', { name: 'More Actions' }).click();
    await page.getByRole('menuitem', { name: 'Send an Update' }).click();
    const dialog = page.getByRole('dialog', { name: 'Send an Update' });
    await dialog.getByTestId('update-select-button').click();
    await dialog.getByRole('option', { name: /^approve\s*Approve a gate/ }).click();
    // Already formatted as the editor formats it on blur, so Submit does not move under the click.
    await dialog.getByRole('textbox', { name: 'Data' }).fill(JSON.stringify({ gate: 'staging:before', by: 'ui-operator', reason: 'checked in the UI' }, null, 2));
    await shot(page, '4-approve-update-form');
    await dialog.getByRole('button', { name: 'Submit' }).click();
    await dialog.waitFor({ state: 'hidden' });

    // 5. The wave goes on: the cluster is upgraded and the wave completes.
    await page.goto(workflowPage(WAVE));
    await page.getByTestId('execution-status').getByText('Completed').waitFor({ timeout: 180_000 });
    // The timeline names the child by its summary: the plan, as it ran.
    await sees(page, 'upgrade ui-stg 1.35.4 -> 1.36 (stage staging)');
    await shot(page, '5-wave-completed-timeline');
    await page.getByTestId('user-metadata-tab').click();
    await seesIn(page, 'current-details', 'Succeeded: 1 of 1 clusters done');
    await shot(page, '6-wave-completed-details');
    const status = await ff('upgrade', 'status', WAVE, '-o', 'json');
    expect(JSON.parse(status).audit).toEqual([expect.objectContaining({ action: 'approve', by: 'ui-operator', reason: 'checked in the UI', detail: 'staging:before' })]);
    // The child: what it does, its stage, and a link back to its wave.
    await page.goto(workflowPage('upgrade/ui-stg'));
    await page.getByTestId('user-metadata-tab').click();
    await seesIn(page, 'summary', 'upgrade ui-stg 1.35.4 -> 1.36 (stage staging)');
    const parent = metadata(page, 'details').getByRole('link', { name: WAVE });
    await parent.waitFor();
    expect(await parent.getAttribute('href')).toBe(`/namespaces/fleetflow/workflows/${encodeURIComponent(WAVE)}`);
    await shot(page, '7-child-details');

    // 6. Start Workflow: a provision with the README's JSON, which completes.
    await page.goto(`${ui}/namespaces/fleetflow/workflows/start-workflow`);
    await page.getByTestId('workflowId').fill('provision/web-1');
    await page.getByTestId('taskQueue').fill('fleetflow');
    await page.getByTestId('workflowType').fill('provisionCluster');
    await page.getByRole('textbox', { name: 'Data' }).fill(JSON.stringify(README_PROVISION, null, 2));
    await shot(page, '8-start-provision');
    await page.getByTestId('start-workflow-button').click();
    // The form stays; its toast links to the started workflow.
    await page.getByRole('link', { name: 'Workflow started successfully' }).click();
    await page.waitForURL(/\/workflows\/provision%2Fweb-1/);
    await page.getByTestId('execution-status').getByText('Completed').waitFor({ timeout: 180_000 });
    await page.getByTestId('user-metadata-tab').click();
    await seesIn(page, 'current-details', 'provision web-1: done');
    await shot(page, '9-provision-completed');
  } catch (err) {
    // Where it stopped, as the operator would have seen it.
    await Promise.all(browser.contexts().flatMap((c) => c.pages()).map((p) => shot(p, 'failed')));
    throw err;
  } finally {
    await browser.close();
  }
  expect(JSON.parse(await ff('clusters', 'get', 'web-1', '-o', 'json'))).toMatchObject({ phase: 'Active', spec: { labels: { team: 'web' } } });
});
