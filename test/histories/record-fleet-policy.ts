// Records a fleetPolicy history for the replay tests, on a throwaway dev server. The worker runs
// the bundle of test/workflows/fleet-policy.test.ts: the real fleetPolicy, stubs for its child
// rollouts and removals and for the cluster entity it signals (a parent's history holds only its
// children's starts and ends, so the replay of fleetPolicy does not depend on them).
//   node --import tsx test/histories/record-fleet-policy.ts
// writes policy__rec.json: two enforced rollouts and an inform policy over two clusters, a round
// that finds drift and signals the entity, a re-apply (generation 2), a policy turned to inform
// (generation 3: removed from the clusters), and a delete. And policy__left.json: an enforced and
// an inform policy over three clusters; one is relabelled out of the selector (the enforced bundle
// is removed there, patch policy-deselected-clusters), one vanishes (forgotten); then a delete.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApplicationFailure } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import type { ClusterEvaluation } from '../../src/domain/policy/compliance.js';
import type { FleetPolicyInput } from '../../src/domain/policy/fleet-policy.js';
import type { PolicyStatusView } from '../../src/domain/policy/policy-state.js';
import { Toolchain } from '../../src/host/toolchain.js';
import { applyFleetPolicy, deleteFleetPolicy, evaluateFleetPolicy } from '../../src/temporal/messages/policy.js';
import { ALL_SEARCH_ATTRIBUTES } from '../../src/temporal/search-attributes.js';
import { cluster } from '../helpers/cluster-summaries.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const workflowsPath = fileURLToPath(new URL('../workflows/fleet-policy-workflows.ts', import.meta.url));
const vap = { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', metadata: { name: 'v' }, spec: {} };
const spec: FleetPolicyInput = {
  name: 'rec',
  selector: { matchLabels: { team: 'a' } },
  evaluateEvery: '1h',
  policies: [
    { name: 'guard', mode: 'enforce', objects: [vap] },
    { name: 'access', mode: 'enforce', teamAccess: [{ group: 'devs', role: 'view', namespaceSelector: { team: 'a' } }] },
    { name: 'look', mode: 'inform', objects: [{ ...vap, metadata: { name: 'w' } }] },
  ],
};
const applied: Record<string, Record<string, string>> = {};
let drift = false;
let failEvaluation = false;
const teamA = (name: string) => cluster(name, { labels: { team: 'a' } });
/** The registered clusters; listFleet narrows them as the visibility query does (or reads by name). */
let fleet = [teamA('rec-a'), teamA('rec-b')];

Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } } });
const env = await TestWorkflowEnvironment.createLocal({
  server: { executable: { type: 'existing-path', path: new Toolchain().temporal }, ip: '127.0.0.1', namespace: 'fleetflow', searchAttributes: ALL_SEARCH_ATTRIBUTES, ui: false, log: { format: 'pretty', level: 'error' } },
});
try {
  const activities = {
    listFleet: async (s: { include?: string[] }) => fleet.filter((c) => (s.include ? s.include.includes(c.name) : c.labels.team === 'a')),
    evaluatePolicyCompliance: async ({ clusters }: { clusters: string[] }): Promise<ClusterEvaluation[]> => {
      if (failEvaluation) throw ApplicationFailure.nonRetryable('the evaluation could not run', 'ClusterUnreachable');
      return clusters.map((c) => ({
        cluster: c,
        reachable: true,
        checkedAt: new Date().toISOString(),
        policies: ['guard', 'access', 'look'].map((p) => ({
          policy: p,
          missing: drift && c === 'rec-a' && p !== 'guard' ? ['RoleBinding a/x'] : [],
          drifted: [],
          extra: [],
          ...(applied[c]?.[p] ? { appliedRevision: applied[c][p] } : {}),
        })),
      }));
    },
    stubChild: async (call: { workflow: string; args: { selector?: { include: string[] }; bundle?: { name: string; revision: string } } }) => {
      if (call.workflow === 'fleetRollout') {
        // policy-<fleet policy>-<policy>; the policy names here have no dash.
        const policy = call.args.bundle!.name.split('-').at(-1)!;
        for (const c of call.args.selector!.include) applied[c] = { ...applied[c], [policy]: call.args.bundle!.revision };
      }
      return {};
    },
  };
  const worker = await Worker.create({ connection: env.nativeConnection, namespace: 'fleetflow', taskQueue: 'record', workflowsPath, activities });
  await worker.runUntil(async () => {
    await env.client.workflow.start('clusterEntity', { workflowId: 'cluster/rec-a', taskQueue: 'record', args: [] });
    const h = await env.client.workflow.start('fleetPolicy', { workflowId: 'policy/rec', taskQueue: 'record', args: [{ policy: spec }] });
    const until = async (ok: (v: PolicyStatusView) => boolean) => {
      for (let i = 0; i < 30; i++) {
        const v = await h.executeUpdate(evaluateFleetPolicy);
        if (ok(v)) return v;
      }
      throw new Error('the policy did not get there');
    };
    await until((v) => v.counts.Compliant === 6);
    drift = true;
    await until((v) => v.counts.NonCompliant === 2);
    drift = false;
    await h.executeUpdate(applyFleetPolicy, { args: [{ ...spec, policies: [{ ...spec.policies[0]!, objects: [{ ...vap, spec: { failurePolicy: 'Fail' } }] }, ...spec.policies.slice(1)] }] });
    await until((v) => v.generation === 2 && v.counts.Compliant === 6 && v.policies.every((p) => p.rollout?.status !== 'Running'));
    // access turned to inform: it is removed from both clusters.
    await h.executeUpdate(applyFleetPolicy, { args: [{ ...spec, policies: [spec.policies[0]!, { ...spec.policies[1]!, mode: 'inform' }, spec.policies[2]!] }] });
    await until((v) => v.generation === 3 && !v.policies[1]!.rollout && v.policies.every((p) => p.rollout?.status !== 'Running'));
    await h.executeUpdate(deleteFleetPolicy, { args: [{ by: 'alice', reason: 'recorded' }] });
    console.log(`policy/rec: ${JSON.stringify(await h.result())}`);

    // A cluster relabelled out of the selector and one that vanishes.
    fleet = [teamA('rec-a'), teamA('rec-b'), teamA('rec-c')];
    const left: FleetPolicyInput = { ...spec, name: 'left', policies: [spec.policies[0]!, spec.policies[2]!] };
    const l = await env.client.workflow.start('fleetPolicy', { workflowId: 'policy/left', taskQueue: 'record', args: [{ policy: left }] });
    const leftUntil = async (ok: (v: PolicyStatusView) => boolean) => {
      for (let i = 0; i < 30; i++) {
        const v = await l.executeUpdate(evaluateFleetPolicy);
        if (ok(v)) return v;
      }
      throw new Error('the policy did not get there');
    };
    await leftUntil((v) => v.counts.Compliant === 6);
    fleet = [teamA('rec-a'), cluster('rec-b', { labels: { team: 'b' } })];
    await leftUntil((v) => v.policies[0]!.rollout?.clusters.join() === 'rec-a' && v.counts.Compliant === 2);
    await l.executeUpdate(deleteFleetPolicy, { args: [{ by: 'alice', reason: 'recorded' }] });
    console.log(`policy/left: ${JSON.stringify(await l.result())}`);

    // A round that fails answers the evaluate request that started it (policy-failed-round-serves-requests).
    failEvaluation = true;
    const f = await env.client.workflow.start('fleetPolicy', { workflowId: 'policy/failed', taskQueue: 'record', args: [{ policy: { ...spec, name: 'failed' } }] });
    await f.executeUpdate(evaluateFleetPolicy);
    await f.executeUpdate(deleteFleetPolicy, { args: [{ by: 'alice', reason: 'recorded' }] });
    console.log(`policy/failed: ${JSON.stringify(await f.result())}`);
    await env.client.workflow.getHandle('cluster/rec-a').terminate();
  });
  execFileSync(join(here, 'record'), ['policy/rec', 'policy/left', 'policy/failed'], { stdio: 'inherit', env: { ...process.env, TEMPORAL_ADDRESS: env.address, TEMPORAL_NAMESPACE: 'fleetflow' } });
} finally {
  await env.teardown();
}
