import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ClusterSpecSchema } from '../../src/domain/cluster/spec.js';
import { newClusterState } from '../../src/domain/cluster/lifecycle.js';
import { eksKubeconfig } from '../../src/providers/eks/kubeconfig.js';
import { ExternalProvider } from '../../src/providers/external/index.js';
import { gkeKubeconfig } from '../../src/providers/gke/kubeconfig.js';
import { runCli } from '../helpers/fake-cli.js';

const CA = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n';
const b64 = (s: string) => Buffer.from(s).toString('base64');

/** The one cluster, user and context of a kubeconfig, as kubectl would read them. */
function read(yaml: string) {
  const kc = parseYaml(yaml);
  expect(kc).toMatchObject({ apiVersion: 'v1', kind: 'Config' });
  const [context] = kc.contexts;
  expect(kc['current-context']).toBe(context.name);
  const cluster = kc.clusters.find((c: { name: string }) => c.name === context.context.cluster).cluster;
  const user = kc.users.find((u: { name: string }) => u.name === context.context.user).user;
  return { name: context.name as string, server: cluster.server as string, ca: Buffer.from(cluster['certificate-authority-data'], 'base64').toString('utf8'), user };
}

describe('EKS kubeconfig: what `aws eks update-kubeconfig` writes', () => {
  const described = { name: 'web-eu-1', arn: 'arn:aws:eks:eu-west-1:123456789012:cluster/web-eu-1', endpoint: 'https://ABC.gr7.eu-west-1.eks.amazonaws.com', certificateAuthority: { data: b64(CA) }, status: 'ACTIVE' as const };

  it('points at the endpoint and CA from DescribeCluster and runs `aws eks get-token` as the user', () => {
    const kc = read(eksKubeconfig(described, { region: 'eu-west-1' }));
    expect(kc).toMatchObject({ name: described.arn, server: described.endpoint, ca: CA });
    expect(kc.user).toEqual({
      exec: {
        apiVersion: 'client.authentication.k8s.io/v1beta1',
        command: 'aws',
        args: ['eks', 'get-token', '--cluster-name', 'web-eu-1', '--region', 'eu-west-1', '--output', 'json'],
        interactiveMode: 'IfAvailable',
      },
    });
  });

  it("uses the account's profile and role, so the person's aws CLI reaches the cluster the way the account does", () => {
    const { user } = read(eksKubeconfig(described, { region: 'eu-west-1', profile: 'prod', roleArn: 'arn:aws:iam::123456789012:role/eks-admin' }));
    expect(user.exec.args).toEqual(['eks', 'get-token', '--cluster-name', 'web-eu-1', '--region', 'eu-west-1', '--role-arn', 'arn:aws:iam::123456789012:role/eks-admin', '--output', 'json']);
    expect(user.exec.env).toEqual([{ name: 'AWS_PROFILE', value: 'prod' }]);
  });

  it('refuses a cluster that has no endpoint yet, saying when to ask again', () => {
    expect(() => eksKubeconfig({ name: 'web-eu-1', status: 'CREATING' }, { region: 'eu-west-1' })).toThrow(
      'cluster web-eu-1: EKS has no endpoint or CA for it yet (status CREATING); ask again once it is ACTIVE',
    );
  });
});

describe('GKE kubeconfig: what `gcloud container clusters get-credentials` writes', () => {
  it('points at https://endpoint with the cluster CA and runs gke-gcloud-auth-plugin as the user', () => {
    const kc = read(gkeKubeconfig({ name: 'web-1', endpoint: '34.1.2.3', masterAuth: { clusterCaCertificate: b64(CA) }, status: 'RUNNING' }, { project: 'acme-prod', location: 'europe-west1' }));
    expect(kc).toMatchObject({ name: 'gke_acme-prod_europe-west1_web-1', server: 'https://34.1.2.3', ca: CA });
    expect(kc.user.exec).toMatchObject({ apiVersion: 'client.authentication.k8s.io/v1beta1', command: 'gke-gcloud-auth-plugin', provideClusterInfo: true });
    expect(kc.user.exec.installHint).toContain('gke-gcloud-auth-plugin');
  });

  it('refuses a cluster that has no endpoint yet', () => {
    expect(() => gkeKubeconfig({ name: 'web-1', status: 'PROVISIONING' }, { project: 'p', location: 'l' })).toThrow('cluster web-1: GKE has no endpoint or CA for it yet (status PROVISIONING)');
  });
});

describe('external clusters', () => {
  const account = { name: 'edge', provider: 'external' as const, kubeconfig: { file: '/etc/fleetflow/edge.kubeconfig' } };

  it("refuses: the account's kubeconfig holds Fleetflow's own credentials, and the message says where it is", async () => {
    await expect(new ExternalProvider(account).kubeconfig({ name: 'edge-1', region: 'on-prem' })).rejects.toMatchObject({
      type: 'NotSupported',
      message: "cluster edge-1 is external: its kubeconfig (file /etc/fleetflow/edge.kubeconfig of account edge) holds Fleetflow's own credentials, which are not printed; get your own access from the cluster's owners",
    });
  });

  it('`clusters kubeconfig` asks the provider of the cluster, with the CLI config, and prints its refusal with exit 1', async () => {
    const spec = ClusterSpecSchema.parse({ name: 'edge-1', provider: 'external', region: 'on-prem', account: 'edge' });
    const r = await runCli(['clusters', 'kubeconfig', 'edge-1'], { 'cluster/edge-1': { query: newClusterState(spec, new Date().toISOString()) } }, { accounts: [account] });
    expect(r).toMatchObject({ code: 1, stdout: '', stderr: expect.stringContaining('error: cluster edge-1 is external: its kubeconfig (file /etc/fleetflow/edge.kubeconfig of account edge)') });
  });
});
