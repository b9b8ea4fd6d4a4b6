import type { BundleInput, BundleManifest } from '../bundle/bundle.js';
import { FOR_NAMESPACES_ANNOTATION } from '../bundle/namespace-fanout.js';
import { canonicalJson } from '../change/canonical-json.js';
import type { FleetPolicy, Policy, PolicyMode, TeamAccess } from './fleet-policy.js';

/**
 * From a FleetPolicy to what Fleetflow applies and compares: one bundle per policy, named
 * `policy-<fleetpolicy>-<policy>`, whose revision is a digest of its content (the same file
 * gives the same revision, so re-applying it changes nothing on the clusters). Pure.
 */

const RBAC = 'rbac.authorization.k8s.io';
/** Label on every object an enforced policy applies: which FleetPolicy and policy. */
export const POLICY_LABEL = 'fleetflow.io/policy';

/** The bundle name of a policy. */
export function policyBundleName(fleetPolicy: string, policy: string): string {
  return `policy-${fleetPolicy}-${policy}`;
}

/** The label selector of a teamAccess entry, in the API's syntax: "team=payments,tier=web". */
export function namespaceSelectorText(labels: Readonly<Record<string, string>>): string {
  return Object.keys(labels).sort().map((k) => `${k}=${labels[k]}`).join(',');
}

/** The RoleBinding name of a teamAccess entry: "team:payments-devs:view" (RBAC names allow ":"). */
export function teamBindingName(t: Pick<TeamAccess, 'group' | 'role'>): string {
  return `team:${t.group}:${t.role}`.slice(0, 253);
}

/**
 * A teamAccess entry as a RoleBinding template: no namespace, and the for-namespaces annotation
 * carrying the selector, so the apply fans it out into each matching namespace of the cluster.
 */
export function teamAccessTemplate(t: TeamAccess): BundleManifest {
  return {
    apiVersion: `${RBAC}/v1`,
    kind: 'RoleBinding',
    metadata: { name: teamBindingName(t), annotations: { [FOR_NAMESPACES_ANNOTATION]: namespaceSelectorText(t.namespaceSelector) } },
    roleRef: { apiGroup: RBAC, kind: t.roleKind, name: t.role },
    subjects: [{ apiGroup: RBAC, kind: 'Group', name: t.group }],
  };
}

/** A policy compiled: its bundle, and how it is held on the clusters. */
export interface CompiledPolicy {
  policy: string;
  mode: PolicyMode;
  bundle: BundleInput & { revision: string };
}

/** 64-bit FNV-1a of a string, as 16 hex digits: a content digest workflow code can compute. */
export function fnv1a64(text: string): string {
  let h = 0xcbf29ce484222325n;
  const prime = 0x100000001b3n;
  for (let i = 0; i < text.length; i++) {
    h ^= BigInt(text.charCodeAt(i));
    h = (h * prime) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, '0');
}

/**
 * One policy as a bundle: its objects then its team-access templates, enforced ones labelled
 * with the policy. Enforced bundles take fields other managers hold (a guardrail wins) and prune what
 * left the policy; informed ones are only ever compared, so their options do not matter.
 */
export function compilePolicy(fleetPolicy: string, p: Policy): CompiledPolicy {
  const name = policyBundleName(fleetPolicy, p.name);
  // Only what Fleetflow applies is labelled: an informed object is compared as written, and a
  // label it never had would read as a difference on every cluster.
  const label = (m: BundleManifest): BundleManifest =>
    p.mode === 'inform' ? m : { ...m, metadata: { ...m.metadata, labels: { ...m.metadata.labels, [POLICY_LABEL]: `${fleetPolicy}.${p.name}` } } };
  const manifests = [...p.objects, ...p.teamAccess.map(teamAccessTemplate)].map(label);
  const options = { force: p.mode === 'enforce', prune: true, concurrency: 8 };
  const revision = `p-${fnv1a64(canonicalJson({ mode: p.mode, manifests, options }))}`;
  return { policy: p.name, mode: p.mode, bundle: { name, revision, manifests, options } };
}

/** Every policy of a FleetPolicy compiled, in the file's order. */
export function compileFleetPolicy(fp: Pick<FleetPolicy, 'name' | 'policies'>): CompiledPolicy[] {
  return fp.policies.map((p) => compilePolicy(fp.name, p));
}
