import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProviderAccount } from '../../src/domain/cluster/accounts.js';
import { clusterEntityId } from '../../src/domain/cluster/inventory.js';
import { externalProviderFor } from '../../src/providers/external/index.js';
import { ProviderRegistry } from '../../src/providers/registry.js';
import { readObject } from '../../src/kube/read.js';
import { FleetTestEnv } from '../helpers/fleet-env.js';
import { historyText, pemBody } from '../helpers/history-text.js';

// "Another team's cluster": a local control plane Fleetflow reaches only through a copy of its
// kubeconfig, as an external account, never through the local provider.
let fleet: FleetTestEnv;
let providers: ProviderRegistry;
const OWNER = 'team-b-cluster';

beforeAll(async () => {
  fleet = await FleetTestEnv.create();
  await fleet.local.create({ name: OWNER, region: 'local', labels: {}, idempotencyKey: 'test' });
  await fleet.local.waitUntilRunning({ name: OWNER, region: 'local' });
  const file = join(fleet.dataDir, 'edge.kubeconfig');
  copyFileSync(fleet.local.kubeconfigPath(OWNER), file);
  const accounts: ProviderAccount[] = [
    { name: 'edge', provider: 'external', kubeconfig: { file }, context: OWNER },
    { name: 'edge-env', provider: 'external', kubeconfig: { env: 'FLEETFLOW_TEST_UNSET_KUBECONFIG' } },
  ];
  providers = new ProviderRegistry([fleet.local], { accounts, factories: { external: externalProviderFor } });
});
afterAll(async () => {
  await fleet?.teardown();
});

const start = (type: string, id: string, taskQueue: string, input: object) =>
  fleet.client.workflow.execute(type, { workflowId: id, taskQueue, args: [input] });

describe('an external cluster', () => {
  it('is connected, bootstrapped and deregistered without Fleetflow creating or deleting it', async () => {
    const taskQueue = fleet.newTaskQueue();
    await fleet.withWorker(taskQueue, async () => {
      const spec = { name: 'edge-1', provider: 'external', account: 'edge', environment: 'prod' };
      const result = await start('provisionCluster', 'provision/edge-1', taskQueue, { spec });
      expect(result).toMatchObject({ name: 'edge-1', version: '1.35.4', providerId: 'external://edge/edge-1' });

      // The baseline bundle is on the owner's API server.
      const creds = await fleet.local.credentials({ name: OWNER, region: 'local' });
      const info = await readObject(creds, { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'fleetflow-system', name: 'cluster-info' });
      expect((info as { data?: Record<string, string> })?.data).toMatchObject({ name: 'edge-1', provider: 'external' });

      // The kubeconfig stays on the worker: no key or CA material in any history.
      const auth = creds.auth.kind === 'clientCertificate' ? creds.auth.keyPem : creds.auth.token;
      for (const id of ['provision/edge-1', clusterEntityId('edge-1')]) {
        const text = await historyText(await fleet.client.workflow.getHandle(id).fetchHistory());
        expect(text).toContain('"account":"edge"');
        expect(text).not.toContain('-----BEGIN');
        for (const secret of [creds.caPem, auth].map(pemBody)) expect(text).not.toContain(secret);
      }

      await start('decommissionCluster', 'decommission/edge-1', taskQueue, { name: 'edge-1' });
      const final = await fleet.client.workflow.getHandle(clusterEntityId('edge-1')).result();
      expect(final.phase).toBe('Deleted');
      expect(final.history[0]?.message).toBe('deregistered (the cluster itself was not touched)');
      // Deregistered only: the owner's control plane still runs, with Fleetflow's objects left in place.
      expect((await fleet.local.describe({ name: OWNER, region: 'local' })).status).toBe('Running');
    }, { providers });
  });

  it('fails at once, naming the cluster and the missing kubeconfig, when its reference cannot be read', async () => {
    const taskQueue = fleet.newTaskQueue();
    await fleet.withWorker(taskQueue, async () => {
      const spec = { name: 'edge-2', provider: 'external', account: 'edge-env' };
      const err = await start('provisionCluster', 'provision/edge-2', taskQueue, { spec }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowFailedError);
      expect((err as WorkflowFailedError).cause?.message).toBe(
        'provision failed: cluster edge-2: environment variable FLEETFLOW_TEST_UNSET_KUBECONFIG of account edge-env is not set',
      );
    }, { providers });
  });
});
