import { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, FleetTestEnv } from '../helpers/fleet-env.js';
import { scanHistoriesForSecrets } from '../helpers/history-secrets.js';

// The scan every FleetTestEnv teardown runs finds a secret that reached a history (here an
// API token typed into a workflow's input, encrypted like every payload), and names the
// workflow and what it found, never the secret. The leak is planted in the server's `default`
// namespace, so this file's own teardown (which scans `fleetflow`) stays clean.
let fleet: FleetTestEnv;
beforeAll(async () => {
  fleet = await FleetTestEnv.create();
});
afterAll(async () => {
  await fleet?.teardown();
});

describe('the history scan of the integration teardown', () => {
  it('finds an API token in an encrypted input, names the workflow, and does not print the token', async () => {
    const client = new Client({ connection: fleet.env.connection, namespace: 'default', dataConverter: fleet.dataConverter });
    const token = `ffat_${'s'.repeat(43)}`;
    const h = await client.workflow.start('fleetChange', { workflowId: 'change/scan/leak', taskQueue: fleet.newTaskQueue(), args: [{ note: token }] as never });
    try {
      // Visibility lists a new workflow a moment after its start.
      const scan = await eventually(() => scanHistoriesForSecrets(client), (s) => s.scanned > 0);
      expect(scan.findings).toEqual([`change/scan/leak (${h.firstExecutionRunId}): a Fleetflow API token (ffat_...)`]);
      expect(scan.findings.join()).not.toContain(token);
    } finally {
      await h.terminate('planted by the scan test');
    }
  });
});
