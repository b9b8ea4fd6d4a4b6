import { LocalProvider } from '../../../src/providers/local/index.js';
import { Toolchain } from '../../../src/host/toolchain.js';

/** The real API server behind one fake EKS cluster: its endpoint, CA and release once ready. */
export interface ControlPlaneStatus {
  ready: boolean;
  endpoint?: string;
  caPem?: string;
  /** "1.35.4" */
  version?: string;
  message?: string;
}

/**
 * Real Kubernetes control planes for the EKS fake, one per fake cluster (same name), from the
 * local provider: the fake hands out their endpoint and CA, so the provider's credentials are
 * checked by a real kube-apiserver, and an EKS version update really swaps its release.
 */
export class LocalControlPlanes {
  readonly local: LocalProvider;

  constructor(opts: { dataDir: string; extraApiserverArgs?: (cluster: string) => readonly string[]; toolchain?: Toolchain }) {
    this.local = new LocalProvider({
      dataDir: opts.dataDir,
      toolchain: opts.toolchain ?? new Toolchain(),
      ...(opts.extraApiserverArgs ? { extraApiserverArgs: opts.extraApiserverArgs } : {}),
    });
  }

  /** EKS minors the installed toolchain can run ("1.35", "1.36"). */
  get minors(): string[] {
    return this.local.toolchain.versions.kube.map((v) => v.split('.').slice(0, 2).join('.'));
  }

  async create(name: string, minor: string): Promise<void> {
    await this.local.create({ name, region: 'local', kubernetesVersion: minor, labels: {}, idempotencyKey: `eks-fake/${name}` });
  }

  async status(name: string): Promise<ControlPlaneStatus> {
    const c = await this.local.describe({ name, region: 'local' });
    if (c.status !== 'Running') return { ready: false, message: `${c.status}${c.message ? `: ${c.message.split('\n')[0]}` : ''}` };
    const creds = await this.local.credentials({ name, region: 'local' });
    return { ready: true, endpoint: creds.endpoint, caPem: creds.caPem, ...(c.version ? { version: c.version } : {}) };
  }

  /** Swaps the API server to the installed release of `minor` and waits until it serves. */
  async upgrade(name: string, minor: string): Promise<void> {
    await this.local.upgradeControlPlane({ name, region: 'local' }, { version: minor, idempotencyKey: `eks-fake/${name}/${minor}` });
    await this.local.waitUntilRunning({ name, region: 'local' }, 60_000);
  }

  async delete(name: string): Promise<void> {
    await this.local.delete({ name, region: 'local' });
  }

  /** Stops and removes every control plane (test teardown). */
  async deleteAll(): Promise<void> {
    for (const c of await this.local.list()) await this.local.delete({ name: c.name, region: 'local' });
  }
}
