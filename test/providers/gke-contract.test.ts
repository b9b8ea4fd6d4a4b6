import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { GkeProvider } from '../../src/providers/gke/index.js';
import { Toolchain } from '../../src/host/toolchain.js';
import { GkeFake, LocalControlPlanes } from '../fakes/gke/index.js';
import { providerContract } from '../helpers/provider-contract.js';

const toolchain = new Toolchain();
const dataDir = mkdtempSync(join(tmpdir(), 'fleetflow-gke-contract-'));
const backing = new LocalControlPlanes(dataDir, toolchain);
const fake = new GkeFake({ backing, operationMs: 1_500 });
let provider: GkeProvider;
const [create, upgradeTo] = toolchain.versions.kube as [string, string];

beforeAll(async () => {
  await fake.start();
  provider = new GkeProvider({ project: 'fleetflow-test', endpoint: fake.endpoint, tokenSource: async () => backing.accessToken, callTimeoutMs: 5_000 });
});

afterAll(async () => {
  await provider?.close();
  await fake.stop();
  await backing.deleteAll();
  rmSync(dataDir, { recursive: true, force: true });
});

// The fake's clusters are real kube-apiservers that accept the test's bearer token, and a
// control-plane upgrade swaps the apiserver release for real.
providerContract(
  'the GKE provider against the GKE fake',
  () => ({
    provider,
    region: 'europe-west1',
    versions: { create, upgradeTo },
    unsupportedVersion: '1.20',
    nodePools: [
      { name: 'general', machineType: 'e2-standard-4', nodeCount: 2 },
      { name: 'batch', nodeCount: 1 },
    ],
    waitMs: 60_000,
  }),
  'contract-gke',
);
