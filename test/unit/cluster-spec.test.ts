import { describe, expect, it } from 'vitest';
import { ClusterSpecSchema } from '../../src/domain/cluster/spec.js';
import { describeProblems, parseWith } from '../../src/domain/validation.js';

const problemsOf = (input: unknown) => {
  const r = parseWith(ClusterSpecSchema, input, 'spec');
  return r.ok ? [] : r.problems;
};

describe('ClusterSpecSchema', () => {
  it('fills defaults for a minimal local cluster', () => {
    const r = parseWith(ClusterSpecSchema, { name: 'web-1', provider: 'local' }, 'spec');
    expect(r).toEqual({
      ok: true,
      value: { name: 'web-1', provider: 'local', region: 'local', environment: 'dev', labels: {}, protected: false, nodePools: [], healthCheckInterval: '5m' },
    });
  });

  it('strips a leading v from the Kubernetes version', () => {
    const r = parseWith(ClusterSpecSchema, { name: 'a', provider: 'local', kubernetesVersion: 'v1.35' }, 'spec');
    expect(r.ok && r.value.kubernetesVersion).toBe('1.35');
  });

  it('lists every problem by path, not just the first', () => {
    const problems = problemsOf({
      name: 'Web_1', // upper case and underscore are not DNS labels
      provider: 'aws', // not a provider name
      kubernetesVersion: 'latest',
      labels: { 'bad key!': 'x', team: 'has spaces' },
      protected: 'yes',
      colour: 'blue', // unknown fields are refused, so typos do not pass silently
    });
    expect(problems.map((p) => p.path).sort()).toEqual(
      ['spec', 'spec.kubernetesVersion', 'spec.labels["bad key!"]', 'spec.labels.team', 'spec.name', 'spec.protected', 'spec.provider'].sort(),
    );
    expect(describeProblems(problems)).toContain('spec.name: must be lowercase letters, digits and "-"');
    expect(describeProblems(problems)).toContain('spec.provider: must be one of: local');
    expect(describeProblems(problems)).toContain('colour');
  });

  it('refuses names longer than 40 characters and empty names', () => {
    expect(problemsOf({ name: 'a'.repeat(41), provider: 'local' })).toEqual([
      { path: 'spec.name', message: 'must be at most 40 characters' },
    ]);
    expect(problemsOf({ name: '', provider: 'local' }).map((p) => p.path)).toContain('spec.name');
  });

  it('accepts prefixed label keys and empty label values, as Kubernetes does', () => {
    expect(problemsOf({ name: 'a', provider: 'local', labels: { 'fleetflow.io/tier': 'gold', empty: '' } })).toEqual([]);
  });
});

describe('ClusterSpecSchema for cloud and external providers', () => {
  it('refuses a cloud cluster without a cloud region and duplicate node pool names', () => {
    const problems = problemsOf({ name: 'web-1', provider: 'eks', nodePools: [{ name: 'a' }, { name: 'a' }] });
    expect(problems).toEqual([
      { path: 'spec.nodePools[1].name', message: 'duplicate node pool name "a"' },
      { path: 'spec.region', message: 'must name the cloud region or location for provider eks' },
    ]);
  });

  it('refuses node pools on providers that have none', () => {
    expect(problemsOf({ name: 'edge-1', provider: 'external', nodePools: [{ name: 'a' }] })).toEqual([
      { path: 'spec.nodePools', message: 'provider external does not manage node pools' },
    ]);
  });

  it('takes node pools on a local cluster, of machine types the local table knows, naming a bad one', () => {
    expect(problemsOf({ name: 'dev', provider: 'local', nodePools: [{ name: 'web', nodeCount: 3, machineType: 'e2-standard-4' }, { name: 'batch' }] })).toEqual([]);
    expect(problemsOf({ name: 'dev', provider: 'local', nodePools: [{ name: 'web', machineType: 'n2-highmem-96' }] })).toEqual([
      {
        path: 'spec.nodePools[0].machineType',
        message: 'unknown machine type "n2-highmem-96" for provider local (known: small, medium, large, e2-standard-2, e2-standard-4, e2-standard-8, m5.large, m5.xlarge, m5.2xlarge)',
      },
    ]);
  });

  it('defaults a node pool to one node and keeps the account reference', () => {
    const r = parseWith(ClusterSpecSchema, { name: 'g-1', provider: 'gke', region: 'europe-west1', account: 'gcp-main', nodePools: [{ name: 'pool-a' }] }, 'spec');
    expect(r.ok && r.value).toMatchObject({ account: 'gcp-main', nodePools: [{ name: 'pool-a', nodeCount: 1 }] });
  });
});
