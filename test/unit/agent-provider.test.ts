import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AgentProvider } from '../../src/providers/agent/provider.js';
import { agentCredentials } from '../../src/providers/agent/credentials-source.js';

const dir = mkdtempSync(join(tmpdir(), 'agent-provider-'));
const pem = (what: string) => `-----BEGIN ${what}-----\nTUlJ\n-----END ${what}-----\n`;
const b64 = (t: string) => Buffer.from(t).toString('base64');
const kubeconfig = join(dir, 'site.kubeconfig');
writeFileSync(
  kubeconfig,
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': 'site',
    clusters: [{ name: 'site', cluster: { server: 'https://127.0.0.1:6443', 'certificate-authority-data': b64(pem('CERTIFICATE')) } }],
    users: [{ name: 'agent', user: { token: 'sa-token' } }],
    contexts: [{ name: 'site', context: { cluster: 'site', user: 'agent' } }],
  }),
);

describe("the agent's provider", () => {
  const provider = new AgentProvider('external', 'edge-1', { kind: 'kubeconfig', file: kubeconfig });

  it("gives its own cluster's credentials from the kubeconfig's current context", async () => {
    expect(await provider.credentials({ name: 'edge-1', region: 'local' })).toEqual({ endpoint: 'https://127.0.0.1:6443', caPem: pem('CERTIFICATE'), auth: { kind: 'bearerToken', token: 'sa-token' } });
  });

  it('refuses a task for any other cluster before reading a credential', async () => {
    await expect(provider.credentials({ name: 'edge-2', region: 'local' })).rejects.toMatchObject({ type: 'ProviderNotConfigured', message: 'this agent serves cluster edge-1 only, not edge-2' });
  });

  it('does no lifecycle call: those stay with the main worker', async () => {
    await expect(provider.delete({ name: 'edge-1', region: 'local' })).rejects.toMatchObject({ type: 'NotSupported', message: 'cluster edge-1: the agent does not delete clusters; the main worker does' });
  });

  it('in-cluster, says it is not in a pod when the service host is unset', async () => {
    await expect(agentCredentials({ kind: 'in-cluster' }, 'edge-1', {})).rejects.toMatchObject({ type: 'CredentialsMissing' });
  });
});
