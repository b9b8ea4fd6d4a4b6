import { readFileSync } from 'node:fs';
import { parse, parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { REMOVED_APIS } from '../../src/domain/upgrade/removed-apis.js';

// The agent's ServiceAccount (deploy/agent/rbac.yaml) must let the removed-API scan list every
// kind of the table, through the version the server still serves: a kind it may not list fails
// the scan Forbidden on the site, and with it every upgrade check of an agent cluster.
type Rule = { apiGroups?: string[]; resources?: string[]; verbs: string[] };
const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const docs = parseAllDocuments(read('deploy/agent/rbac.yaml')).map((d) => d.toJS() as { kind: string; rules?: Rule[] });
const clusterRules = docs.find((d) => d.kind === 'ClusterRole')!.rules!;
// The chart's agent (deploy/helm/fleetflow): fixed rules in a file, the bundle rule a value.
const chartFixed = parse(read('deploy/helm/fleetflow/files/agent-rbac.yaml')) as { store: Rule[]; cluster: Rule[] };
const chartBundleRules = (parse(read('deploy/helm/fleetflow/values.yaml')) as { agent: { bundleRules: Rule[] } }).agent.bundleRules;

/** The resource name of a kind (the table's kinds all follow the regular English plural). */
const plural = (kind: string) => {
  const k = kind.toLowerCase();
  if (k.endsWith('y')) return `${k.slice(0, -1)}ies`;
  if (k.endsWith('s')) return `${k}es`;
  return `${k}s`;
};
const groupOf = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.split('/')[0]! : '');
const mayList = (group: string, resource: string) =>
  clusterRules.some((r) => r.apiGroups?.includes(group) && r.resources?.includes(resource) && r.verbs.includes('list'));

describe("the agent's ClusterRole", () => {
  it('lists every kind the removed-API scan reads, in the group the server serves it from', () => {
    // Reviews (TokenReview, SubjectAccessReview...) are create-only: discovery has no list for them and the scan skips them.
    // A replacement that was removed itself (PodSecurityPolicy's policy/v1beta1) is served nowhere the scan could list.
    const gone = new Set(REMOVED_APIS.map((r) => `${r.apiVersion} ${r.kind}`));
    const scanned = REMOVED_APIS.filter((r) => r.replacement && !/^(authentication|authorization)\.k8s\.io\//.test(r.replacement) && !gone.has(`${r.replacement} ${r.kind}`));
    const missing = [...new Set(scanned.map((r) => `${groupOf(r.replacement!)} ${plural(r.kind)}`))].filter((gr) => !mayList(...(gr.split(' ') as [string, string])));
    expect(missing).toEqual([]);
  });

  it('can fail: a kind outside every rule is reported missing', () => {
    expect(mayList('example.com', 'widgets')).toBe(false);
    expect(mayList('apps', 'deployments')).toBe(true);
  });

  it('grants no wildcard and no escalating verb (bind, escalate, impersonate)', () => {
    const verbs = clusterRules.flatMap((r) => r.verbs);
    expect(verbs.filter((v) => ['bind', 'escalate', 'impersonate', '*'].includes(v))).toEqual([]);
    expect(clusterRules.filter((r) => r.resources?.includes('*') || r.apiGroups?.includes('*'))).toEqual([]);
  });
});

// Two ways to install the agent, one set of rights: a rule added to one and not the other
// would pass every test of the one and fail Forbidden on sites installed the other way.
describe("the chart's agent RBAC and deploy/agent/rbac.yaml", () => {
  it('grant the same store Role', () => {
    expect(chartFixed.store).toEqual(docs.find((d) => d.kind === 'Role')!.rules);
  });

  it("grant the same ClusterRole: the chart's fixed rules then its default agent.bundleRules", () => {
    expect([...chartFixed.cluster, ...chartBundleRules]).toEqual(clusterRules);
  });

  it('can fail: a dropped rule is a difference', () => {
    expect([...chartFixed.cluster.slice(1), ...chartBundleRules]).not.toEqual(clusterRules);
  });
});
