import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { LocalProvider } from '../../src/providers/local/index.js';
import { Toolchain } from '../../src/host/toolchain.js';
import { providerContract } from '../helpers/provider-contract.js';

const toolchain = new Toolchain();
const dataDir = mkdtempSync(join(tmpdir(), 'fleetflow-local-contract-'));
const provider = new LocalProvider({ dataDir, toolchain });
const [create, upgradeTo] = toolchain.versions.kube as [string, string];

afterAll(async () => {
  for (const c of await provider.list()) await provider.delete({ name: c.name, region: 'local' });
  rmSync(dataDir, { recursive: true, force: true });
});

// The local provider upgrades for real: the next release's kube-apiserver takes over the etcd
// data, and a pool's KWOK nodes are replaced one by one (surge) by nodes at the new version.
providerContract(
  'the local provider',
  () => ({ provider, region: 'local', versions: { create, upgradeTo }, unsupportedVersion: '1.20', nodePools: [{ name: 'web', nodeCount: 2, machineType: 'small' }], waitMs: 60_000 }),
  'contract-local',
);
