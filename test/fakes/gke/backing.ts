import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalProvider } from '../../../src/providers/local/index.js';
import type { Toolchain } from '../../../src/host/toolchain.js';

/** What stands behind a fake GKE cluster's endpoint: a real API server, by name. */
export interface ControlPlaneBacking {
  /** Releases it can run, newest last ("1.35.4", "1.36.3"). */
  readonly releases: readonly string[];
  /** Starts a control plane and waits until it serves; endpoint is host:port, as GKE gives it. */
  create(name: string, release: string): Promise<{ endpoint: string; caPem: string }>;
  /** Moves the control plane to another release and waits until it serves again. */
  upgrade(name: string, release: string): Promise<void>;
  delete(name: string): Promise<void>;
  /** Stops and removes every control plane it started. */
  deleteAll(): Promise<void>;
}

/**
 * Real kube-apiservers from the local provider, made to accept one bearer token the way a GKE
 * API server accepts a Google access token: a static token file (--token-auth-file) whose one
 * user is in system:masters. The token is random per instance and only the test holds it.
 */
export class LocalControlPlanes implements ControlPlaneBacking {
  /** The token the API servers accept: the test's stand-in for a Google access token. */
  readonly accessToken = `ya29.fake-${randomBytes(24).toString('hex')}`;
  readonly local: LocalProvider;
  readonly releases: readonly string[];

  constructor(dataDir: string, toolchain?: Toolchain) {
    mkdirSync(dataDir, { recursive: true });
    const tokenFile = join(dataDir, 'gke-tokens.csv');
    // token,user,uid,"group1,group2"
    writeFileSync(tokenFile, `${this.accessToken},gke-user@example.iam.gserviceaccount.com,gke-user,"system:masters"\n`, { mode: 0o600 });
    this.local = new LocalProvider({ dataDir, ...(toolchain ? { toolchain } : {}), extraApiserverArgs: [`--token-auth-file=${tokenFile}`] });
    this.releases = [...this.local.toolchain.versions.kube].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  }

  async create(name: string, release: string): Promise<{ endpoint: string; caPem: string }> {
    const ref = { name, region: 'local' };
    await this.local.create({ name, region: 'local', kubernetesVersion: release, labels: {}, idempotencyKey: `gke-fake/${name}` });
    await this.local.waitUntilRunning(ref, 60_000);
    const creds = await this.local.credentials(ref);
    return { endpoint: creds.endpoint.replace(/^https:\/\//, ''), caPem: creds.caPem };
  }

  async upgrade(name: string, release: string): Promise<void> {
    const ref = { name, region: 'local' };
    await this.local.upgradeControlPlane(ref, { version: release, idempotencyKey: `gke-fake/${name}/${release}` });
    await this.local.waitUntilRunning(ref, 60_000);
  }

  async delete(name: string): Promise<void> {
    await this.local.delete({ name, region: 'local' });
  }

  async deleteAll(): Promise<void> {
    for (const c of await this.local.list()) await this.local.delete({ name: c.name, region: 'local' });
  }
}
