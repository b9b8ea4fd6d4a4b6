import { describe, expect, it } from 'vitest';
import type { Principal } from '../../src/domain/auth/authorize.js';
import { authorizeFleetResource, fleetResourceScope, viewableClusters } from '../../src/domain/auth/fleet-resource.js';
import { AccessPolicySchema } from '../../src/domain/auth/policy.js';
import type { ClusterSummary } from '../../src/domain/selection/fleet-selector.js';
import { cluster } from '../helpers/cluster-summaries.js';

const inventory = new Map<string, ClusterSummary>(
  [
    cluster('web-dev', { environment: 'dev', labels: { team: 'web' } }),
    cluster('web-prod', { environment: 'prod', labels: { team: 'web' } }),
    cluster('pay-prod', { environment: 'prod', labels: { team: 'payments' } }),
  ].map((c) => [c.name, c]),
);

const policy = AccessPolicySchema.parse({
  roles: [
    { name: 'dev-viewer', permissions: [{ operations: ['view'], environments: ['dev'] }] },
    { name: 'web-viewer', permissions: [{ operations: ['view'], environments: ['*'], fleet: { matchLabels: { team: 'web' } } }] },
    { name: 'prod-deployer', permissions: [{ operations: ['rollout'], environments: ['prod'] }] },
  ],
  bindings: [
    { role: 'viewer', groups: ['viewers'] },
    { role: 'dev-viewer', groups: ['dev'] },
    { role: 'web-viewer', groups: ['web'] },
    { role: 'prod-deployer', groups: ['deployers'] },
  ],
});
const who = (group: string): Principal => ({ kind: 'oidc', subject: `u-${group}`, groups: [group] });

describe('fleetResourceScope', () => {
  it.each([
    { name: 'known clusters, sorted and once each', r: { clusters: ['web-prod', 'web-dev', 'web-prod'] }, want: { environments: [], clusters: ['web-dev', 'web-prod'] } },
    { name: 'a cluster gone from the inventory is left out', r: { clusters: ['gone', 'web-dev'] }, want: { environments: [], clusters: ['web-dev'] } },
    { name: "no cluster yet: the selector's environments", r: { clusters: [], environments: ['prod'] }, want: { environments: ['prod'] } },
    { name: 'no cluster and no environment: every environment', r: { clusters: ['gone'] }, want: { environments: ['*'] } },
  ])('$name', ({ r, want }) => {
    const s = fleetResourceScope(r, inventory);
    expect({ environments: s.environments, ...(s.clusters ? { clusters: s.clusters.map((c) => c.name) } : {}) }).toEqual(want);
  });
});

describe('authorizeFleetResource: view on every cluster the resource concerns', () => {
  it.each([
    { group: 'viewers', clusters: ['web-dev', 'pay-prod'], allow: true },
    { group: 'dev', clusters: ['web-dev'], allow: true },
    { group: 'dev', clusters: ['web-dev', 'web-prod'], allow: false, missing: 'web-prod' },
    { group: 'web', clusters: ['web-dev', 'web-prod'], allow: true },
    { group: 'web', clusters: ['web-prod', 'pay-prod'], allow: false, missing: 'pay-prod' },
    // Starting a rollout there is not viewing.
    { group: 'deployers', clusters: ['web-prod'], allow: false, missing: 'web-prod' },
    { group: 'strangers', clusters: ['web-dev'], allow: false },
  ])('$group on $clusters -> $allow', ({ group, clusters, allow, missing }) => {
    const d = authorizeFleetResource(policy, who(group), { clusters }, inventory);
    expect(d.allow).toBe(allow);
    if (!d.allow && missing) expect(d.missing).toMatchObject({ operation: 'view', cluster: missing });
  });

  it.each([
    { group: 'viewers', environments: undefined, allow: true },
    { group: 'dev', environments: ['dev'], allow: true },
    // Nothing placed and no environment named: a grant on one environment does not cover "any".
    { group: 'dev', environments: undefined, allow: false },
    // A fleet-narrowed grant cannot be proven without clusters.
    { group: 'web', environments: ['dev'], allow: false },
  ])('no cluster yet: $group with environments $environments -> $allow', ({ group, environments, allow }) => {
    expect(authorizeFleetResource(policy, who(group), { clusters: [], ...(environments ? { environments } : {}) }, inventory).allow).toBe(allow);
  });
});

describe('viewableClusters: the rows of a list', () => {
  it.each([
    { group: 'viewers', want: ['pay-prod', 'web-dev', 'web-prod'] },
    { group: 'dev', want: ['web-dev'] },
    { group: 'web', want: ['web-dev', 'web-prod'] },
    { group: 'deployers', want: [] },
  ])('$group sees $want', ({ group, want }) => {
    expect(viewableClusters(policy, who(group), ['pay-prod', 'web-dev', 'web-prod', 'gone'], inventory)).toEqual(want);
  });
});
