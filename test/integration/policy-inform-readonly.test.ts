import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INFORM_FIELD_MANAGER } from '../../activities/policy.js';
import { describeObject } from '../../src/domain/bundle/bundle.js';
import { compileFleetPolicy } from '../../src/domain/policy/compile.js';
import { FleetPolicySchema } from '../../src/domain/policy/fleet-policy.js';
import { Toolchain } from '../../src/host/toolchain.js';
import { parseBundle } from '../../src/kube/apply-plan.js';
import { kubeConfigFor } from '../../src/kube/client.js';
import type { ClusterCredentials } from '../../src/kube/credentials.js';
import { diffBundle } from '../../src/kube/diff.js';
import { fanOutForCluster } from '../../src/kube/namespace-fanout.js';
import { LocalProvider } from '../../src/providers/local/index.js';

// An inform policy compared by an identity that may only read (get, list, watch on everything):
// the comparison reads each object and compares the fields the policy sets, so it needs no
// write permission, where a server-side dry-run apply (a PATCH) is refused to such an identity.
const toolchain = new Toolchain();
const dataDir = mkdtempSync(join(tmpdir(), 'fleetflow-inform-'));
const provider = new LocalProvider({ dataDir, toolchain });
const ref = { name: 'inform', region: 'local' };
let reader: ClusterCredentials;

const group = (name: string) => ({ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name });
const auditors = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'auditors', namespace: 'payments' }, subjects: [group('auditors')], roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' } };
const quota = (cpu: string) => ({ apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'cap', namespace: 'payments' }, spec: { hard: { cpu, memory: '1Gi' } } });
const denyAll = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'deny-all', namespace: 'payments' }, spec: { podSelector: {}, policyTypes: ['Ingress'] } };

beforeAll(async () => {
  await provider.create({ ...ref, labels: {}, idempotencyKey: 'test/inform' });
  await provider.waitUntilRunning(ref);
  const admin = await provider.credentials(ref);
  const kc = kubeConfigFor(admin);
  const core = kc.makeApiClient(CoreV1Api);
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  await core.createNamespace({ body: { metadata: { name: 'payments', labels: { team: 'payments' } } } });
  await rbac.createNamespacedRoleBinding({ namespace: 'payments', body: auditors as never });
  await core.createNamespacedResourceQuota({ namespace: 'payments', body: quota('1000m') as never });
  // The reader: get, list and watch on every resource, nothing else.
  await core.createNamespacedServiceAccount({ namespace: 'default', body: { metadata: { name: 'reader' } } });
  await rbac.createClusterRole({ body: { metadata: { name: 'read-all' }, rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['get', 'list', 'watch'] }] } });
  await rbac.createClusterRoleBinding({ body: { metadata: { name: 'reader-read-all' }, subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace: 'default' }], roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'read-all' } } });
  const { status } = await core.createNamespacedServiceAccountToken({ name: 'reader', namespace: 'default', body: { spec: { audiences: [], expirationSeconds: 600 } } });
  if (!status?.token) throw new Error('the API server made no token for the reader');
  reader = { endpoint: admin.endpoint, caPem: admin.caPem, auth: { kind: 'bearerToken', token: status.token } };
}, 180_000);

afterAll(async () => {
  await provider.delete(ref);
  rmSync(dataDir, { recursive: true, force: true });
});

/** The inform policy's bundle as the evaluation activity compares it: compiled, then fanned out on this cluster. */
async function informBundle(objects: unknown[], teamAccess: unknown[] = []) {
  const fp = FleetPolicySchema.parse({ name: 'g', selector: {}, policies: [{ name: 'look', mode: 'inform', objects, teamAccess }] });
  return fanOutForCluster(reader, parseBundle(compileFleetPolicy(fp)[0]!.bundle));
}

describe('an inform policy compared by an identity that may only read', () => {
  it('reports what is missing and the fields that differ, and finds the rest compliant', async () => {
    // The quota was written as 1000m and is read back as 1: the same quantity, not drift.
    const same = await diffBundle(reader, await informBundle([auditors, quota('1')]), { fieldManager: INFORM_FIELD_MANAGER, inform: true });
    expect(same).toEqual({ missing: [], drifted: [], toPrune: [] });

    const d = await diffBundle(reader, await informBundle([{ ...auditors, subjects: [group('auditors'), group('sre')] }, quota('2'), denyAll], [{ group: 'payments-devs', role: 'view', namespaceSelector: { team: 'payments' } }]), { fieldManager: INFORM_FIELD_MANAGER, inform: true });
    expect(d.missing.map(describeObject)).toEqual(['NetworkPolicy payments/deny-all', 'RoleBinding payments/team:payments-devs:view']);
    expect(d.drifted.map((x) => `${describeObject(x.ref)}: ${x.fields.join(', ')}`)).toEqual(['RoleBinding payments/auditors: .subjects[name=sre]', 'ResourceQuota payments/cap: .spec.hard.cpu']);
  });

  it('could not have compared by a server-side dry-run apply: that is a write, refused to the reader', async () => {
    await expect(diffBundle(reader, await informBundle([quota('2')]), { fieldManager: INFORM_FIELD_MANAGER })).rejects.toThrow(/forbidden/i);
  });
});
