import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundle } from '@temporalio/worker';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { workflowsPath } from '../../workers/bundle.js';
import { ChangeCallbacksInputSchema } from '../../src/domain/change/callbacks-input.js';
import { ChangeRequestSchema } from '../../src/domain/change/request.js';
import { ClusterEntityInputSchema } from '../../src/domain/cluster/entity-input.js';
import { ApplyBundleInputSchema, DecommissionInputSchema, OperationRequestSchema, ProvisionInputSchema, RollbackBundleInputSchema } from '../../src/domain/cluster/operation-inputs.js';
import { ClusterSpecSchema } from '../../src/domain/cluster/spec.js';
import { FleetDecommissionInputSchema } from '../../src/domain/decommission/fleet-decommission.js';
import { PlacedBundleInputSchema } from '../../src/domain/placement/placed-bundle.js';
import { FleetPolicyWorkflowInputSchema } from '../../src/domain/policy/policy-state.js';
import { FleetRolloutInputSchema } from '../../src/domain/rollout/fleet-rollout.js';
import { UpgradeClusterInputSchema } from '../../src/domain/upgrade/preflight.js';
import { UpgradeWaveInputSchema } from '../../src/domain/upgrade/wave.js';
import { claimOperation, operationFinished, operationProgress, registerCluster } from '../../src/temporal/messages/cluster.js';
import { expectedRefusal, fuzzParams, nearlyValid, type Stage } from '../helpers/fuzz.js';
import { addSearchAttributes, timeSkipping } from '../helpers/time-skipping.js';

// Random inputs (near a valid one, or any JSON) typed into every workflow, update and signal,
// on the time-skipping server. The zod schema is the oracle: an input it refuses fails the
// workflow (or the update) at once, non-retryable, with exactly the schema's problems by path;
// one it accepts never fails validation; and no run leaves a failed workflow task behind (a
// task that fails is retried forever). Every activity is a stub that fails for good.
let env: TestWorkflowEnvironment;
let workflowBundle: WorkflowBundle;

beforeAll(async () => {
  ({ env, workflowBundle } = await timeSkipping(workflowsPath));
  // The entity publishes its search attributes on its first task: unregistered, every task would fail.
  await addSearchAttributes(env);
});
afterAll(async () => {
  await env?.teardown();
});

const stubs = Object.fromEntries(
  Object.keys(createActivities({ client: {} as never, providers: {} as never })).map((name) => [
    name,
    async () => {
      throw ApplicationFailure.nonRetryable(`${name} is a stub in the fuzz test`, 'Unexpected');
    },
  ]),
);

const RUNS = 8;
const bundle = { name: 'shop', revision: 'v2', manifests: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'shop' }, data: {} }] };
const spec = { name: 'web-1', provider: 'local' };

interface Case {
  type: string;
  valid: unknown;
  stages: Stage[];
}

const cases: Case[] = [
  {
    type: 'clusterEntity',
    valid: { spec },
    stages: [
      { schema: ClusterEntityInputSchema, what: 'cluster entity input' },
      { schema: ClusterSpecSchema, what: 'cluster spec', type: 'InvalidClusterSpec', root: 'spec', part: (i) => ((i as { state?: unknown }).state ? undefined : (i as { spec: unknown }).spec) },
    ],
  },
  { type: 'provisionCluster', valid: { spec }, stages: [{ schema: ProvisionInputSchema, what: 'cluster spec', type: 'InvalidClusterSpec' }] },
  { type: 'upgradeCluster', valid: { name: 'web-1', version: '1.36' }, stages: [{ schema: UpgradeClusterInputSchema, what: 'upgrade request' }] },
  { type: 'decommissionCluster', valid: { name: 'web-1', reason: 'retired' }, stages: [{ schema: DecommissionInputSchema, what: 'decommission request' }] },
  { type: 'applyBundleToCluster', valid: { cluster: 'web-1', bundle }, stages: [{ schema: ApplyBundleInputSchema, what: 'bundle apply request' }] },
  { type: 'rollbackBundle', valid: { cluster: 'web-1', bundle: 'shop', revision: 'v2', to: 'v1' }, stages: [{ schema: RollbackBundleInputSchema, what: 'rollback request' }] },
  { type: 'upgradeWave', valid: { targets: [{ selector: {}, version: '1.36' }] }, stages: [{ schema: UpgradeWaveInputSchema, what: 'upgrade wave' }] },
  { type: 'fleetRollout', valid: { selector: { environments: ['dev'] }, plan: { stages: [{ name: 'all' }] }, bundle }, stages: [{ schema: FleetRolloutInputSchema, what: 'fleet rollout' }] },
  { type: 'fleetDecommission', valid: { selector: { matchLabels: { team: 'web' } }, reason: 'retired' }, stages: [{ schema: FleetDecommissionInputSchema, what: 'fleet decommission request' }] },
  {
    type: 'fleetChange',
    valid: { type: 'decommission', ticket: { system: 'jira', id: 'OPS-1' }, requestedBy: { kind: 'token', subject: 'ci' }, input: { name: 'web-1' }, inputHash: 'a'.repeat(64) },
    stages: [{ schema: ChangeRequestSchema, what: 'change request' }],
  },
  {
    type: 'changeCallbacks',
    valid: { changeId: 'change/jira/OPS-1', ticket: { system: 'jira', id: 'OPS-1' }, targets: [{ url: 'https://example.test/hook', secret: 'sn' }] },
    stages: [{ schema: ChangeCallbacksInputSchema, what: 'callbacks input' }],
  },
  {
    type: 'placedBundle',
    valid: { name: 'shop', placement: { selector: {}, numberOfClusters: 1 }, bundle },
    stages: [{ schema: PlacedBundleInputSchema, what: 'placed bundle' }],
  },
  {
    type: 'fleetPolicy',
    valid: { policy: { name: 'guardrails', selector: {}, policies: [{ name: 'p', mode: 'inform', teamAccess: [{ group: 'g', role: 'view', namespaceSelector: { team: 'a' } }] }] } },
    stages: [{ schema: FleetPolicyWorkflowInputSchema, what: 'fleet policy' }],
  },
];

/** Why each failed workflow task of a workflow failed: any at all is a task that would be retried forever. */
async function taskFailures(workflowId: string): Promise<string[]> {
  const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).flatMap((e) => (e.workflowTaskFailedEventAttributes ? [e.workflowTaskFailedEventAttributes.failure?.message ?? '?'] : []));
}

let seq = 0;
const taskQueue = `fuzz-${Math.random().toString(36).slice(2)}`;
const newWorker = () => Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle, activities: stubs });

describe('every workflow input, fuzzed: refused at once by path when the schema refuses it, never refused when it accepts it', () => {
  it.each(cases.map((c) => [c.type, c] as const))('%s', async (_type, c) => {
    // The example itself must be valid, or the property would only ever test refusals.
    expect(expectedRefusal(c.stages, c.valid)).toBeUndefined();
    const worker = await newWorker();
    await worker.runUntil(() =>
      fc.assert(
        fc.asyncProperty(nearlyValid(c.valid), async (input) => {
          const workflowId = `fuzz/${c.type}/${++seq}`;
          const h = await env.client.workflow.start(c.type, { workflowId, taskQueue, args: [input] as never, workflowExecutionTimeout: '10 minutes' });
          const outcome = await h.result().then(() => undefined, (err: unknown) => (err instanceof WorkflowFailedError ? err.cause : err));
          const refusal = expectedRefusal(c.stages, input);
          if (refusal) {
            expect(outcome).toBeInstanceOf(ApplicationFailure);
            expect(outcome).toMatchObject({ ...refusal, nonRetryable: true });
          } else {
            expect(String((outcome as Error | undefined)?.message ?? '')).not.toMatch(/^invalid /);
          }
          expect(await taskFailures(workflowId)).toEqual([]);
        }),
        fuzzParams(`workflow input ${c.type}`, RUNS),
      ),
    );
  });
});

describe("the cluster entity's updates and signals, fuzzed, on one running entity", () => {
  it('refuses a malformed update by path, drops a malformed signal, and never fails a workflow task', async () => {
    const worker = await newWorker();
    await worker.runUntil(async () => {
      const workflowId = 'cluster/web-1';
      const h = await env.client.workflow.start('clusterEntity', { workflowId, taskQueue, args: [{ spec }] });
      const request = { id: 'upgrade/web-1', type: 'upgrade', requestedBy: 'fuzz' };
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            nearlyValid(request).map((arg) => ({ kind: 'claimOperation' as const, arg })),
            nearlyValid(spec).map((arg) => ({ kind: 'registerCluster' as const, arg })),
            nearlyValid({ operationId: 'upgrade/web-1', step: 'draining' }).map((arg) => ({ kind: 'operationProgress' as const, arg })),
            nearlyValid({ operationId: 'upgrade/web-1', succeeded: false, message: 'fuzzed' }).map((arg) => ({ kind: 'operationFinished' as const, arg })),
          ),
          async ({ kind, arg }) => {
            if (kind === 'claimOperation' || kind === 'registerCluster') {
              const outcome = await h.executeUpdate(kind === 'claimOperation' ? claimOperation.name : registerCluster.name, { args: [arg] }).then(() => undefined, (err: unknown) => err);
              const refusal =
                kind === 'claimOperation'
                  ? expectedRefusal([{ schema: OperationRequestSchema, what: 'operation request', root: 'request' }], arg)
                  : expectedRefusal([{ schema: ClusterSpecSchema, what: 'cluster spec', type: 'InvalidClusterSpec', root: 'spec' }], arg);
              const cause = (outcome as { cause?: unknown } | undefined)?.cause;
              if (refusal) expect(cause).toMatchObject({ ...refusal, nonRetryable: true });
              else expect(String((cause as Error | undefined)?.message ?? '')).not.toMatch(/^invalid /);
            } else {
              // A signal cannot be refused: the entity drops a malformed one and keeps running.
              await h.signal(kind === 'operationProgress' ? operationProgress.name : operationFinished.name, arg);
            }
            // The query is answered by the entity's worker, after the task that handled the message.
            await h.query('getClusterState');
            expect(await taskFailures(workflowId)).toEqual([]);
          },
        ),
        fuzzParams('cluster entity messages', RUNS * 4),
      );
      expect((await h.describe()).status.name).toBe('RUNNING');
      await h.terminate('fuzz done');
    });
  });
});
