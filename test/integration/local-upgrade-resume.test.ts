import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Toolchain } from '../../src/host/toolchain.js';
import { LocalProvider } from '../../src/providers/local/index.js';

// A control-plane upgrade cut off right after the new kube-apiserver came up, before its
// controllers started: what a worker SIGKILLed at that moment leaves (the chaos run with seed
// 12345 left ch4 so, and its upgrade wave waiting). The cut is deterministic: the first
// attempt's toolchain names a kube-controller-manager that does not exist, so its spawn throws
// at exactly the point where the killed worker stopped. A retry must finish the upgrade.
const toolchain = new Toolchain();
const [FROM, TO] = toolchain.versions.kube as [string, string];
const dataDir = mkdtempSync(join(tmpdir(), 'fleetflow-upgrade-resume-'));
const CLUSTER = { name: 'resume', region: 'local' };

/** The toolchain of a worker that dies when it starts the target's controller manager. */
class DiesAtControllerManager extends Toolchain {
  override kubeControllerManager(version: string): string {
    return version === TO ? join(dataDir, 'no-such-kube-controller-manager') : super.kubeControllerManager(version);
  }
}

const provider = new LocalProvider({ dataDir, toolchain });

beforeAll(async () => {
  await provider.create({ ...CLUSTER, labels: {}, idempotencyKey: 'test/resume', kubernetesVersion: FROM });
  await provider.waitUntilRunning(CLUSTER);
});

afterAll(async () => {
  await provider.delete(CLUSTER);
  rmSync(dataDir, { recursive: true, force: true });
});

it('finishes a control-plane upgrade cut off after the new API server started: every process runs at the target, and again changes nothing', async () => {
  expect(TO, 'two Kubernetes releases are installed').toBeDefined();
  const request = { version: TO, idempotencyKey: 'test/resume/upgrade' };
  const cut = new LocalProvider({ dataDir, toolchain: new DiesAtControllerManager() });
  await expect(cut.upgradeControlPlane(CLUSTER, request)).rejects.toThrow(/could not start kube-controller-manager/);
  // What the killed worker left: the store and the new API server, nothing else.
  expect(Object.keys(await provider.processes(CLUSTER)).sort()).toEqual(['apiserver', 'etcd']);

  const change = await provider.upgradeControlPlane(CLUSTER, request);
  expect(change).toMatchObject({ id: `upgrade-to-${TO}`, status: 'Succeeded' });
  const live = await provider.processes(CLUSTER);
  expect(Object.keys(live).sort()).toEqual(['apiserver', 'controllerManager', 'etcd', 'kwok', 'scheduler']);
  expect(await provider.waitUntilRunning(CLUSTER)).toMatchObject({ status: 'Running', version: TO });

  // Idempotent: the same request again restarts nothing.
  expect(await provider.upgradeControlPlane(CLUSTER, request)).toMatchObject({ status: 'Succeeded' });
  expect(await provider.processes(CLUSTER)).toEqual(live);
}, 240_000);
