import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundle } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FleetActivities } from '../../activities/index.js';
import { workflowsPath } from '../../workers/bundle.js';
import { timeSkipping } from '../helpers/time-skipping.js';

// Inputs a user can type into the Temporal UI's Start Workflow, on the time-skipping server:
// each workflow refuses a bad one at once (non-retryable, every problem by path) before it
// touches anything. Every activity is a stub that must not be reached.
let env: TestWorkflowEnvironment;
let workflowBundle: WorkflowBundle;

beforeAll(async () => {
  ({ env, workflowBundle } = await timeSkipping(workflowsPath));
});
afterAll(async () => {
  await env?.teardown();
});

const unreachable = (what: string) => async () => {
  throw ApplicationFailure.nonRetryable(`${what} must not be reached`, 'Unexpected');
};
const activities: Partial<FleetActivities> = {
  claimClusterOperation: unreachable('claimClusterOperation'),
  listFleet: unreachable('listFleet'),
  operationStatus: unreachable('operationStatus'),
};

/** Starts `type` and returns its failure; a workflow stuck retrying its first task times out after an hour of skipped time. */
async function failureOf(type: string, workflowId: string, args: unknown[]): Promise<unknown> {
  const taskQueue = `inputs-${Math.random().toString(36).slice(2)}`;
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle, activities });
  return worker.runUntil(async () => {
    const h = await env.client.workflow.start(type, { workflowId, taskQueue, args: args as never, workflowExecutionTimeout: '1 hour' });
    const e = await h.result().then((r: unknown) => ({ completed: r }), (err: unknown) => err);
    return e instanceof WorkflowFailedError ? e.cause : e;
  });
}

const NULL_REFUSED = ': (input): Invalid input: expected object, received null';

describe('every workflow refuses a null input at once', () => {
  it.each([
    ['clusterEntity', 'cluster/n', 'InvalidInput', 'invalid cluster entity input'],
    ['provisionCluster', 'provision/n', 'InvalidClusterSpec', 'invalid cluster spec'],
    ['upgradeCluster', 'upgrade/n', 'InvalidInput', 'invalid upgrade request'],
    ['decommissionCluster', 'decommission/n', 'InvalidInput', 'invalid decommission request'],
    ['applyBundleToCluster', 'apply/n/b', 'InvalidInput', 'invalid bundle apply request'],
    ['rollbackBundle', 'rollout/r/rollback/n', 'InvalidInput', 'invalid rollback request'],
    ['upgradeWave', 'upgrade-wave/n', 'InvalidInput', 'invalid upgrade wave'],
    ['fleetRollout', 'rollout/n', 'InvalidInput', 'invalid fleet rollout'],
    ['fleetDecommission', 'fleet-decommission/n', 'InvalidInput', 'invalid fleet decommission request'],
    ['fleetChange', 'change/s/n', 'InvalidInput', 'invalid change request'],
    ['changeCallbacks', 'change/servicenow/n/callbacks', 'InvalidInput', 'invalid callbacks input'],
    ['fleetPolicy', 'policy/n', 'InvalidInput', 'invalid fleet policy'],
  ])('%s', async (type, id, failureType, what) => {
    expect(await failureOf(type, id, [null])).toMatchObject({ type: failureType, nonRetryable: true, message: `${what}${NULL_REFUSED}` });
  });
});

describe('workflows whose id is fixed by convention refuse another id, before claiming anything', () => {
  it.each([
    ['provisionCluster', 'provision/web-2', { spec: { name: 'web-1', provider: 'local' } }, 'spec.name web-1: start it with id provision/web-1'],
    ['upgradeCluster', 'upgrade/web-1-again', { name: 'web-1', version: '1.36' }, 'name web-1: start it with id upgrade/web-1'],
    ['decommissionCluster', 'decommission/web-1-1', { name: 'web-1' }, 'name web-1: start it with id decommission/web-1'],
    ['fleetPolicy', 'policy/other', { policy: { name: 'guardrails', selector: {}, policies: [{ name: 'p', mode: 'inform', teamAccess: [{ group: 'g', role: 'view', namespaceSelector: { team: 'a' } }] }] } }, 'policy.name guardrails: start it with id policy/guardrails'],
    [
      'fleetChange',
      'change/jira/OPS-2',
      { type: 'decommission', ticket: { system: 'jira', id: 'OPS-1' }, requestedBy: { kind: 'token', subject: 'ci' }, input: { name: 'web-1' }, inputHash: 'a'.repeat(64) },
      'ticket jira/OPS-1: start it with id change/jira/OPS-1',
    ],
  ])('%s started as %s', async (type, id, input, expected) => {
    expect(await failureOf(type, id, [input])).toMatchObject({
      type: 'InvalidInput',
      nonRetryable: true,
      message: `workflow id ${id} does not match ${expected}`,
    });
  });
});

describe('staged operations refuse a malformed carried state instead of failing their task forever', () => {
  const bundle = { name: 'shop', revision: 'v2', manifests: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'shop' }, data: {} }] };
  it.each([
    ['upgradeWave', { targets: [{ selector: {}, version: '1.36' }] }],
    ['fleetRollout', { selector: { environments: ['dev'] }, plan: { stages: [{ name: 'all' }] }, bundle }],
    ['fleetDecommission', { selector: { matchLabels: { team: 'web' } }, reason: 'retired' }],
  ])('%s', async (type, input) => {
    const failure = await failureOf(type, `${type}/carried`, [input, { stages: 'all of them', runs: 'none', generation: 1 }]);
    expect(failure).toMatchObject({ type: 'InvalidInput', nonRetryable: true, message: expect.stringMatching(/^invalid carried state: /) });
    for (const path of ['carried.stages:', 'carried.runs:', 'carried.operator:']) expect((failure as Error).message).toContain(path);
  });
});
