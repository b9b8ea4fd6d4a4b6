import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FleetTestEnv, NAMESPACE } from '../helpers/fleet-env.js';
import { scanHistoriesForSecrets } from '../helpers/history-secrets.js';

// The scan every FleetTestEnv teardown runs finds a secret that reached a history (here an
// API token typed into a workflow's input, encrypted like every payload), and names the
// workflow and what it found, never the secret.
let fleet: FleetTestEnv;
beforeAll(async () => {
  fleet = await FleetTestEnv.create();
});
afterAll(async () => {
  await fleet?.teardown();
});

describe('the history scan of the integration teardown', () => {
  it('finds an API token in an encrypted input, names the workflow, and does not print the token', async () => {
    const token = `ffat_${'s'.repeat(43)}`;
    const h = await fleet.client.workflow.start('fleetChange', { workflowId: 'change/scan/leak', taskQueue: fleet.newTaskQueue(), args: [{ note: token }] as never });
    const scan = await scanHistoriesForSecrets(fleet.client);
    expect(scan.findings).toEqual([`change/scan/leak (${h.firstExecutionRunId}): a Fleetflow API token (ffat_...)`]);
    expect(scan.findings.join()).not.toContain(token);
    // Gone again, so this file's own teardown scan finds nothing.
    await fleet.client.workflowService.deleteWorkflowExecution({ namespace: NAMESPACE, workflowExecution: { workflowId: 'change/scan/leak', runId: h.firstExecutionRunId } });
    expect((await scanHistoriesForSecrets(fleet.client)).findings).toEqual([]);
  });
});
