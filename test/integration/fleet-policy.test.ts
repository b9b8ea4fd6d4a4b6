import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { stringify } from 'yaml';
import { CliContext } from '../../src/cli/context.js';
import { run as runCli } from '../../src/cli/main.js';
import { clusterEntityId } from '../../src/domain/cluster/inventory.js';
import type { ComplianceState } from '../../src/domain/policy/compliance.js';
import type { FleetPolicyInput } from '../../src/domain/policy/fleet-policy.js';
import { policyWorkflowId, type PolicyStatusView } from '../../src/domain/policy/policy-state.js';
import { Toolchain } from '../../src/host/toolchain.js';
import { getClusterState } from '../../src/temporal/messages/cluster.js';
import { evaluateFleetPolicy } from '../../src/temporal/messages/policy.js';
import { eventually, FleetTestEnv } from '../helpers/fleet-env.js';

const exec = promisify(execFile);
const CLUSTERS = ['pol-a', 'pol-b'];
let fleet: FleetTestEnv;
let dir: string;
beforeAll(async () => {
  fleet = await FleetTestEnv.create();
  dir = mkdtempSync(join(tmpdir(), 'fleetflow-policy-'));
});
afterAll(async () => {
  await fleet?.teardown();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const RBAC = 'rbac.authorization.k8s.io';
const ADMISSION = 'admissionregistration.k8s.io/v1';
/** The guardrail: no ConfigMap may carry a "forbidden" key, on any cluster. */
const denyForbidden = {
  apiVersion: ADMISSION,
  kind: 'ValidatingAdmissionPolicy',
  metadata: { name: 'deny-forbidden-key' },
  spec: {
    failurePolicy: 'Fail',
    matchConstraints: { resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['configmaps'] }] },
    validations: [{ expression: "!has(object.data) || !('forbidden' in object.data)", message: 'configmaps must not carry a forbidden key' }],
  },
};
const denyBinding = { apiVersion: ADMISSION, kind: 'ValidatingAdmissionPolicyBinding', metadata: { name: 'deny-forbidden-key' }, spec: { policyName: 'deny-forbidden-key', validationActions: ['Deny'] } };
/** What the platform team put on every cluster by hand; the policy only watches it. */
const auditors = { apiVersion: `${RBAC}/v1`, kind: 'RoleBinding', metadata: { name: 'auditors', namespace: 'payments' }, roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'view' }, subjects: [{ apiGroup: RBAC, kind: 'Group', name: 'auditors' }] };

const policy: FleetPolicyInput = {
  name: 'guardrails',
  selector: { matchLabels: { tier: 'guarded' } },
  policies: [
    { name: 'admission', mode: 'enforce', objects: [denyForbidden, denyBinding] },
    { name: 'team-access', mode: 'enforce', teamAccess: [{ group: 'payments-devs', role: 'view', namespaceSelector: { team: 'payments' } }] },
    { name: 'auditors', mode: 'inform', objects: [auditors] },
  ],
};

const states = (v: PolicyStatusView) => Object.fromEntries(Object.entries(v.matrix).map(([c, row]) => [c, Object.fromEntries(Object.entries(row).map(([p, x]) => [p, x.state]))]));
const all = (state: ComplianceState) => Object.fromEntries(CLUSTERS.map((c) => [c, { admission: state, 'team-access': state, auditors: state }]));

describe('a FleetPolicy on two real clusters', () => {
  it('enforces an admission policy and team access everywhere (a namespace labelled later included), reports an informed RoleBinding deleted by hand, and takes an enforced one back', async () => {
    const taskQueue = fleet.newTaskQueue();
    Object.assign(process.env, fleet.cliEnv(taskQueue));
    const cli = async (...argv: string[]) => {
      const out: string[] = [];
      const code = await runCli(argv, new CliContext((l) => out.push(l)));
      return { code, out: out.join('\n') };
    };
    await fleet.withWorker(taskQueue, async () => {
      // Health checks only when asked: the moments below are the test's, not a timer's.
      await Promise.all(CLUSTERS.map((name) =>
        fleet.client.workflow.execute('provisionCluster', { workflowId: `provision/${name}`, taskQueue, args: [{ spec: { name, provider: 'local', labels: { tier: 'guarded' }, healthCheckInterval: '24h' } }] })));
      const kubectl = (cluster: string, ...args: string[]) => exec(new Toolchain().kubectl(), ['--kubeconfig', fleet.local.kubeconfigPath(cluster), ...args]);
      for (const c of CLUSTERS) {
        await kubectl(c, 'create', 'namespace', 'payments');
        await kubectl(c, 'label', 'namespace', 'payments', 'team=payments');
        await kubectl(c, 'create', 'rolebinding', 'auditors', '-n', 'payments', '--clusterrole=view', '--group=auditors');
      }

      const file = join(dir, 'guardrails.yaml');
      writeFileSync(file, stringify(policy));
      const applied = await cli('policy', 'apply', '-f', file);
      expect(applied).toMatchObject({ code: 0, out: expect.stringMatching(/^fleet policy guardrails applied \(generation \d\): admission \(enforce, p-[0-9a-f]{16}\), team-access \(enforce, /) });

      const handle = fleet.client.workflow.getHandle(policyWorkflowId('guardrails'));
      const evaluate = () => handle.executeUpdate(evaluateFleetPolicy);
      // Each evaluation waits for its own round; the two enforced policies roll out one after the other.
      const compliant = await eventually(evaluate, (v) => JSON.stringify(states(v)) === JSON.stringify(all('Compliant')), 240_000);
      expect(compliant.policies.map((p) => [p.name, p.mode, p.rollout?.status])).toEqual([['admission', 'enforce', 'Succeeded'], ['team-access', 'enforce', 'Succeeded'], ['auditors', 'inform', undefined]]);

      // The guardrail refuses a bad object on each cluster (the API server loads a new policy within a moment).
      const bad = join(dir, 'bad.yaml');
      writeFileSync(bad, stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'bad', namespace: 'default' }, data: { forbidden: 'x1' } }));
      for (const c of CLUSTERS) {
        const refusal = await eventually(() => kubectl(c, 'apply', '-f', bad).then(() => 'accepted', (e: { stderr?: string }) => e.stderr ?? String(e)), (r) => r !== 'accepted', 30_000);
        expect(refusal).toContain('configmaps must not carry a forbidden key');
        expect(refusal).toContain('ValidatingAdmissionPolicy');
      }
      // Team access: the group got view in the namespace labelled for the team, by the fan-out on each cluster.
      for (const c of CLUSTERS) {
        const { stdout } = await kubectl(c, 'auth', 'can-i', 'list', 'pods', '-n', 'payments', '--as', 'someone', '--as-group', 'payments-devs');
        expect(stdout.trim()).toBe('yes');
      }

      // Someone deletes both RoleBindings on pol-a.
      await kubectl('pol-a', 'delete', 'rolebinding', '-n', 'payments', 'auditors', 'team:payments-devs:view');
      const broken = await evaluate();
      expect(states(broken)).toEqual({ ...all('Compliant'), 'pol-a': { admission: 'Compliant', 'team-access': 'NonCompliant', auditors: 'NonCompliant' } });
      expect(broken.matrix['pol-a']!.auditors!.reasons).toEqual(['RoleBinding payments/auditors: missing']);
      expect(broken.matrix['pol-a']!['team-access']!.reasons).toEqual(['RoleBinding payments/team:payments-devs:view: missing']);
      expect(broken.changes.slice(0, 2).map((c) => `${c.cluster} ${c.policy} ${c.from}->${c.to}`).sort()).toEqual(['pol-a auditors Compliant->NonCompliant', 'pol-a team-access Compliant->NonCompliant']);

      // The evaluation asked pol-a's entity to check now: its auto-reconcile puts the enforced binding back.
      const entity = fleet.client.workflow.getHandle(clusterEntityId('pol-a'));
      const repaired = await eventually(() => entity.query(getClusterState), (s) => s.history.some((op) => op.type === 'reconcile' && op.status === 'Succeeded'), 60_000);
      expect(repaired.history.find((op) => op.type === 'reconcile')?.message).toMatch(/^re-applied policy-guardrails-team-access@p-[0-9a-f]{16}: 1 objects repaired/);
      const after = await evaluate();
      expect(states(after)).toEqual({ ...all('Compliant'), 'pol-a': { admission: 'Compliant', 'team-access': 'Compliant', auditors: 'NonCompliant' } });
      // inform changed nothing: the deleted binding is still gone.
      await expect(kubectl('pol-a', 'get', 'rolebinding', '-n', 'payments', 'auditors')).rejects.toMatchObject({ stderr: expect.stringContaining('NotFound') });

      // A namespace labelled for the team after the apply: reported missing its binding, then
      // given it by pol-b's entity (its drift check fans the kept template out again).
      await kubectl('pol-b', 'create', 'namespace', 'payments-2');
      await kubectl('pol-b', 'label', 'namespace', 'payments-2', 'team=payments');
      const newcomer = await evaluate();
      expect(newcomer.matrix['pol-b']!['team-access']).toEqual({ state: 'NonCompliant', reasons: ['RoleBinding payments-2/team:payments-devs:view: missing'] });
      const entityB = fleet.client.workflow.getHandle(clusterEntityId('pol-b'));
      await eventually(() => entityB.query(getClusterState), (s) => s.history.some((op) => op.type === 'reconcile' && op.status === 'Succeeded'), 60_000);
      expect(states(await evaluate())['pol-b']).toEqual({ admission: 'Compliant', 'team-access': 'Compliant', auditors: 'Compliant' });
      expect((await kubectl('pol-b', 'auth', 'can-i', 'list', 'pods', '-n', 'payments-2', '--as', 'someone', '--as-group', 'payments-devs')).stdout.trim()).toBe('yes');

      // The CLI prints the matrix with the reasons, and the same as JSON.
      const table = await cli('policy', 'status', 'guardrails');
      expect(table.code).toBe(0);
      expect(table.out).toContain('pol-a     Compliant   Compliant     NonCompliant');
      expect(table.out).toContain('pol-a auditors: RoleBinding payments/auditors: missing');
      const json = JSON.parse((await cli('policy', 'status', 'guardrails', '-o', 'json')).out) as PolicyStatusView;
      expect(json.counts).toEqual({ Compliant: 5, NonCompliant: 1, Pending: 0, Unknown: 0 });
      // Without a NAME: every running FleetPolicy (found by visibility, which may lag a moment).
      const listed = await eventually(() => cli('policy', 'status', '-o', 'json'), (r) => r.out.includes('"guardrails"'));
      expect((JSON.parse(listed.out) as PolicyStatusView[]).map((v) => v.name)).toEqual(['guardrails']);
      // A file naming a workload is refused before anything starts, with the field named.
      const workload = join(dir, 'workload.yaml');
      writeFileSync(workload, stringify({ ...policy, policies: [{ name: 'x', mode: 'enforce', objects: [{ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' } }] }] }));
      const written: string[] = [];
      const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => written.push(String(chunk)) > 0);
      const refused = await cli('policy', 'apply', '-f', workload).finally(() => stderr.mockRestore());
      expect(refused.code).toBe(2);
      expect(written.join('')).toContain('policies[0].objects[0].kind: Deployment of apps/v1 is not a policy kind');

      // Delete: the enforced policies leave the clusters, the guardrail with them; the informed binding is not touched.
      expect(await cli('policy', 'delete', 'guardrails', '--reason', 'test over')).toMatchObject({ code: 0 });
      const result = await handle.result();
      expect(result).toEqual({ deleted: true, removed: CLUSTERS.flatMap((c) => [`${c}: policy-guardrails-admission`, `${c}: policy-guardrails-team-access`]).sort(), failed: [] });
      for (const c of CLUSTERS) {
        await expect(kubectl(c, 'get', 'validatingadmissionpolicy', 'deny-forbidden-key')).rejects.toMatchObject({ stderr: expect.stringContaining('NotFound') });
      }
      await kubectl('pol-b', 'get', 'rolebinding', '-n', 'payments', 'auditors');
    });
  });
});
