import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readToolVersions, repoDir, Toolchain } from '../../src/host/toolchain.js';

describe('the toolchain as the code finds it', () => {
  it('locates the repository root, where package.json and the pinned versions are', () => {
    expect(JSON.parse(readFileSync(join(repoDir, 'package.json'), 'utf8')).name).toBe('fleetflow');
    expect(readToolVersions().kube.length).toBeGreaterThan(0);
    expect(readToolVersions().kwok).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('finds every binary of a local cluster in the tools cache, and says how to get a missing one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleetflow-tools-'));
    try {
      const versions = { temporalCli: '1', temporalTestServer: '1', temporalServer: '1.32.2', etcd: '3.6.16', kube: ['1.35.4'], kwok: '0.8.0', helm: '3.22.0' };
      const put = (...path: string[]) => {
        mkdirSync(join(dir, ...path.slice(0, -1)), { recursive: true });
        writeFileSync(join(dir, ...path), '');
        chmodSync(join(dir, ...path), 0o755);
      };
      for (const b of ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubectl']) put('kube', '1.35.4', b);
      put('kwok', '0.8.0', 'kwok');
      const tools = new Toolchain(dir, versions);
      expect(tools.kubeControllerManager('1.35.4')).toBe(join(dir, 'kube/1.35.4/kube-controller-manager'));
      expect(tools.kubeScheduler('1.35.4')).toBe(join(dir, 'kube/1.35.4/kube-scheduler'));
      expect(tools.kwok).toBe(join(dir, 'kwok/0.8.0/kwok'));
      expect(() => tools.kubeScheduler('1.36.3')).toThrow(`${join(dir, 'kube/1.36.3/kube-scheduler')} is missing: run temporal-dev/install to build the local toolchain`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
