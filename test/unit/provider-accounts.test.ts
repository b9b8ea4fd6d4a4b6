import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../src/config.js';
import type { ProviderAccount } from '../../src/domain/cluster/accounts.js';
import { FleetflowError } from '../../src/errors.js';
import { ProviderRegistry } from '../../src/providers/registry.js';
import type { ClusterProvider } from '../../src/providers/types.js';

const dir = mkdtempSync(join(tmpdir(), 'fleetflow-config-'));
const configFile = (name: string, text: string) => {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
};

describe('the Fleetflow config file', () => {
  it('reads accounts of every provider by reference', () => {
    const file = configFile('ok.yaml', `
accounts:
  - { name: aws-prod, provider: eks, region: eu-west-1, profile: prod }
  - { name: gcp-main, provider: gke, project: acme-fleet-1 }
  - { name: edge, provider: external, kubeconfig: { env: EDGE_KUBECONFIG } }
`);
    expect(loadConfigFile(file).accounts.map((a) => `${a.provider}/${a.name}`)).toEqual(['eks/aws-prod', 'gke/gcp-main', 'external/edge']);
  });

  it('names the file and every bad field', () => {
    const file = configFile('bad.yaml', `
accounts:
  - { name: a, provider: eks, endpoint: not-a-url }
  - { name: a, provider: external, kubeconfig: { file: /x }, secret: hunter2 }
`);
    expect(() => loadConfigFile(file)).toThrow(
      `configuration file ${file}: accounts[0].endpoint: must be a URL such as http://127.0.0.1:5000; accounts[1]: Unrecognized key: "secret"; accounts[1].name: duplicate account name "a"`,
    );
  });
});

describe('ProviderRegistry', () => {
  const fake = (name: ClusterProvider['name'], tag: string) => ({ name, tag }) as unknown as ClusterProvider;
  const accounts: ProviderAccount[] = [
    { name: 'aws-a', provider: 'eks', region: 'eu-west-1' },
    { name: 'aws-b', provider: 'eks', region: 'us-east-1' },
    { name: 'edge', provider: 'external', kubeconfig: { file: '/k' } },
  ];
  const registry = new ProviderRegistry([fake('local', 'local')], {
    accounts,
    factories: { eks: (a) => fake('eks', a?.name ?? 'default'), external: (a) => fake('external', a?.name ?? 'default') },
  });
  const tagOf = (p: ClusterProvider) => (p as unknown as { tag: string }).tag;

  it('builds one provider per account and reuses it', () => {
    expect(tagOf(registry.get('eks', 'aws-b'))).toBe('aws-b');
    expect(registry.get('eks', 'aws-b')).toBe(registry.get('eks', 'aws-b'));
    expect(tagOf(registry.get('local'))).toBe('local');
  });

  it('uses the only account of a provider when the cluster names none, else the environment default', () => {
    expect(tagOf(registry.get('external'))).toBe('edge');
    expect(tagOf(registry.get('eks'))).toBe('default');
  });

  it('refuses an unknown account or provider, naming what is configured', () => {
    const err = (() => { try { registry.get('eks', 'aws-z'); } catch (e) { return e; } })();
    expect(err).toBeInstanceOf(FleetflowError);
    expect((err as FleetflowError).message).toBe("account aws-z of provider eks is not in the worker's config (configured: aws-a, aws-b)");
    expect(() => registry.get('gke')).toThrow('provider gke is not configured on this worker (has: local, eks, external)');
  });
});
