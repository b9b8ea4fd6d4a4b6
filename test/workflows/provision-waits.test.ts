import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundle } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FleetActivities } from '../../activities/index.js';
import { newClusterState } from '../../src/domain/cluster/lifecycle.js';
import { ClusterSpecSchema } from '../../src/domain/cluster/spec.js';
import { clusterEntityId } from '../../src/domain/cluster/inventory.js';
import type { ProviderCluster } from '../../src/providers/types.js';
import { workflowsPath } from '../../workers/bundle.js';
import { addSearchAttributes, timeSkipping } from '../helpers/time-skipping.js';

// The time-skipping test server (the installed binary) lets minutes of durable timers pass at once.
let env: TestWorkflowEnvironment;
let workflowBundle: WorkflowBundle;

beforeAll(async () => {
  ({ env, workflowBundle } = await timeSkipping(workflowsPath));
  // The cluster entity publishes the inventory search attributes, so they must exist here too.
  await addSearchAttributes(env);
});
afterAll(async () => {
  await env?.teardown();
});

/** A provider that always answers `status`, recording each look. */
function fakeActivities(name: string, status: ProviderCluster) {
  const looks: number[] = [];
  const activities: Partial<FleetActivities> = {
    claimClusterOperation: async ({ spec }) => newClusterState(ClusterSpecSchema.parse(spec ?? { name, provider: 'local' }), '2026-01-01T00:00:00Z'),
    createCluster: async () => ({ name, providerId: `fake://${name}`, status: 'Creating' }),
    describeCluster: async () => {
      looks.push(Date.now());
      return status;
    },
    bootstrapCluster: async () => {
      throw new Error('must not bootstrap a cluster that never became ready');
    },
    operationStatus: async () => 'RUNNING',
  };
  return { activities, looks };
}

async function provision(name: string, activities: Partial<FleetActivities>) {
  const taskQueue = `tq-${name}`;
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle, activities });
  return worker.runUntil(async () => {
    // Operations report to the cluster's entity, so it must exist.
    await env.client.workflow.start('clusterEntity', {
      workflowId: clusterEntityId(name),
      taskQueue,
      args: [{ spec: { name, provider: 'local' } }],
    });
    const started = Date.now();
    const outcome = await env.client.workflow
      .execute('provisionCluster', { workflowId: `provision/${name}`, taskQueue, args: [{ spec: { name, provider: 'local' } }] })
      .then(() => undefined, (e: unknown) => e);
    return { outcome, elapsedMs: Date.now() - started };
  });
}

const failure = (e: unknown) => (e instanceof WorkflowFailedError && e.cause instanceof ApplicationFailure ? e.cause : undefined);

describe('provisionCluster waiting on a provider', () => {
  it('gives up after the readiness deadline, naming the last status, and backs off between looks', async () => {
    const { activities, looks } = fakeActivities('slow', { name: 'slow', status: 'Creating', message: 'etcd is slow' });
    const { outcome } = await provision('slow', activities);
    expect(failure(outcome)).toMatchObject({
      type: 'WaitTimedOut',
      nonRetryable: true,
      message: 'provision failed: cluster slow: waiting until ready: still Creating after 300 s: etcd is slow',
    });
    // Five minutes at 1, 2, 4, then 5 s apart: about 60 looks, not 300.
    expect(looks.length).toBeGreaterThan(55);
    expect(looks.length).toBeLessThan(70);
  });

  it('stops at once when the provider reports the cluster Failed', async () => {
    const { activities, looks } = fakeActivities('broken', { name: 'broken', status: 'Failed', message: 'quota exceeded' });
    const { outcome } = await provision('broken', activities);
    expect(failure(outcome)).toMatchObject({
      type: 'ProviderFailed',
      message: 'provision failed: cluster broken: waiting until ready: provider reports Failed: quota exceeded',
    });
    expect(looks).toHaveLength(1);
  });

  it('keeps retrying a cloud call that fails transiently, past the ten attempts other calls get', async () => {
    const { activities } = fakeActivities('flaky', { name: 'flaky', status: 'Failed', message: 'quota exceeded' });
    let creates = 0;
    activities.createCluster = async () => {
      if (++creates <= 12) throw ApplicationFailure.retryable('The service is currently unavailable.', 'Transient');
      return { name: 'flaky', providerId: 'fake://flaky', status: 'Creating' };
    };
    const { outcome } = await provision('flaky', activities);
    // The create went through on its 13th attempt; what ended the provision is the provider's verdict.
    expect(creates).toBe(13);
    expect(failure(outcome)).toMatchObject({ type: 'ProviderFailed' });
  });
});
