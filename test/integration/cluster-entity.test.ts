import { afterAll, beforeAll, expect, it } from 'vitest';
import type { OperationRequest } from '../../src/domain/cluster/lifecycle.js';
import { clusterEntityId } from '../../src/domain/cluster/inventory.js';
import { claimOperation, getClusterState, operationFinished, operationProgress } from '../../src/temporal/messages/cluster.js';
import { ProviderRegistry } from '../../src/providers/registry.js';
import { eventually, FleetTestEnv } from '../helpers/fleet-env.js';
import { holdingAfterCreate, memoryGate } from '../helpers/gates.js';

let fleet: FleetTestEnv;
beforeAll(async () => {
  fleet = await FleetTestEnv.create();
});
afterAll(async () => {
  await fleet?.teardown();
});

it('continues as new before its history grows long, keeping its state and its running operation, and ignores a cancel request', async () => {
  const taskQueue = fleet.newTaskQueue();
  await fleet.withWorker(taskQueue, async () => {
    const handle = await fleet.client.workflow.start('clusterEntity', {
      workflowId: clusterEntityId('epsilon'),
      taskQueue,
      args: [{ spec: { name: 'epsilon', provider: 'local', labels: { team: 'web' } } }],
    });
    // Any running workflow can stand for the operation: the entity checks that it still runs.
    const stand = await fleet.client.workflow.start('clusterEntity', {
      workflowId: clusterEntityId('epsilon-operation'),
      taskQueue,
      args: [{ spec: { name: 'epsilon-operation', provider: 'local' } }],
    });
    const operationId = stand.workflowId;
    // A malformed claim is refused by the validator, naming the fields, and changes nothing.
    const bad = { id: '', type: 'reboot' } as unknown as OperationRequest;
    await expect(handle.executeUpdate(claimOperation, { args: [bad] })).rejects.toMatchObject({
      cause: { type: 'InvalidInput', message: expect.stringMatching(/^invalid operation request: request\.id: .*; request\.type: /) },
    });
    expect((await handle.query(getClusterState)).current).toBeUndefined();
    await handle.executeUpdate(claimOperation, { args: [{ id: operationId, type: 'provision' }] });
    // Each report with a new step adds a signal, a workflow task and a search-attribute upsert.
    for (let i = 0; i < 800; i++) {
      await handle.signal(operationProgress, { operationId, step: `step ${i}` });
    }
    const latest = fleet.client.workflow.getHandle(clusterEntityId('epsilon'));
    await eventually(() => latest.describe(), (d) => d.runId !== handle.firstExecutionRunId, 60_000);
    expect((await latest.describe()).historyLength).toBeLessThan(2_000);

    const carried = await latest.query(getClusterState);
    expect(carried.current).toMatchObject({ id: operationId, message: 'step 799' });
    expect(carried).toMatchObject({ phase: 'Provisioning', spec: { labels: { team: 'web' } } });
    // The new run still takes the operation's end.
    await latest.signal(operationFinished, { operationId, succeeded: true, message: 'ok', patch: { phase: 'Active' } });
    await eventually(() => latest.query(getClusterState), (s) => s.phase === 'Active' && !s.current);

    // A cancel request (one click in the UI) does not drop the cluster from the inventory.
    await latest.cancel();
    // Wait until a workflow task has seen the cancel request.
    await eventually(
      async () => {
        const events = (await latest.fetchHistory()).events ?? [];
        const asked = events.findIndex((e) => e.workflowExecutionCancelRequestedEventAttributes);
        return asked >= 0 && events.slice(asked).some((e) => e.workflowTaskCompletedEventAttributes);
      },
      (seen) => seen,
    );
    expect((await latest.describe()).status.name).toBe('RUNNING');
    expect((await latest.query(getClusterState)).phase).toBe('Active');
    await stand.terminate('end of test');
  });
});

it('frees a cluster whose operation workflow was terminated without reporting', async () => {
  const taskQueue = fleet.newTaskQueue();
  // The provision holds in its create step (the cluster claimed) until the test has terminated it.
  const gate = memoryGate();
  await fleet.withWorker(taskQueue, async () => {
    const provision = await fleet.client.workflow.start('provisionCluster', {
      workflowId: 'provision/zeta',
      taskQueue,
      args: [{ spec: { name: 'zeta', provider: 'local' } }],
    });
    const entity = fleet.client.workflow.getHandle(clusterEntityId('zeta'));
    await gate.reached();
    expect((await entity.query(getClusterState)).current?.id).toBe('provision/zeta');
    await provision.terminate('operator gave up').finally(() => gate.open());

    const freed = await eventually(() => entity.query(getClusterState), (s) => !s.current, 60_000);
    expect(freed.phase).toBe('Failed');
    expect(freed.history[0]).toMatchObject({
      id: 'provision/zeta',
      status: 'Failed',
      message: 'operation provision/zeta ended (TERMINATED) without reporting its outcome',
    });
    // The cluster takes operations again.
    await fleet.client.workflow.execute('decommissionCluster', { workflowId: 'decommission/zeta', taskQueue, args: [{ name: 'zeta' }] });
    expect((await entity.result()).phase).toBe('Deleted');
  }, { providers: new ProviderRegistry([holdingAfterCreate(fleet.local, gate)]) });
});

it('records a cancelled provision as such and frees the cluster at once', async () => {
  const taskQueue = fleet.newTaskQueue();
  // The provision holds in its create step (the cluster claimed) until it has been cancelled.
  const gate = memoryGate();
  await fleet.withWorker(taskQueue, async () => {
    const provision = await fleet.client.workflow.start('provisionCluster', {
      workflowId: 'provision/eta',
      taskQueue,
      args: [{ spec: { name: 'eta', provider: 'local' } }],
    });
    const entity = fleet.client.workflow.getHandle(clusterEntityId('eta'));
    await gate.reached();
    expect((await entity.query(getClusterState)).current?.id).toBe('provision/eta');
    await provision.cancel();
    await expect(provision.result()).rejects.toThrow();
    await gate.open();
    expect((await provision.describe()).status.name).toBe('CANCELLED');
    const freed = await eventually(() => entity.query(getClusterState), (s) => !s.current, 10_000);
    expect(freed.history[0]).toMatchObject({ id: 'provision/eta', status: 'Failed', message: 'provision cancelled' });
    await fleet.client.workflow.execute('decommissionCluster', { workflowId: 'decommission/eta', taskQueue, args: [{ name: 'eta' }] });
  }, { providers: new ProviderRegistry([holdingAfterCreate(fleet.local, gate)]) });
});
