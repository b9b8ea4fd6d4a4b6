import { WorkflowFailedError, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundle } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileFleetPolicy } from '../../src/domain/policy/compile.js';
import type { ClusterEvaluation } from '../../src/domain/policy/compliance.js';
import { FleetPolicySchema, type FleetPolicyInput } from '../../src/domain/policy/fleet-policy.js';
import type { PolicyStatusView } from '../../src/domain/policy/policy-state.js';
import { applyFleetPolicy, deleteFleetPolicy, evaluateFleetPolicy, getPolicyStatus } from '../../src/temporal/messages/policy.js';
import { cluster } from '../helpers/cluster-summaries.js';
import { timeSkipping } from '../helpers/time-skipping.js';
import { checksAsked } from './fleet-policy-workflows.js';

let env: TestWorkflowEnvironment;
let workflowBundle: WorkflowBundle;
beforeAll(async () => {
  ({ env, workflowBundle } = await timeSkipping(new URL('./fleet-policy-workflows.ts', import.meta.url)));
});
afterAll(async () => {
  await env?.teardown();
});

const vap = { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', metadata: { name: 'v' }, spec: {} };
const spec: FleetPolicyInput = {
  name: 'fp',
  selector: { matchLabels: { team: 'a' } },
  // Rounds only when the test asks: the time-skipping server would otherwise fire the interval.
  evaluateEvery: '30d',
  policies: [
    { name: 'guard', mode: 'enforce', objects: [vap] },
    { name: 'look', mode: 'inform', objects: [{ ...vap, metadata: { name: 'w' } }] },
  ],
};
const guardRevision = (s: FleetPolicyInput) => compileFleetPolicy(FleetPolicySchema.parse(s)).find((c) => c.policy === 'guard')!.bundle.revision;

/** A scripted fleet: the stub activities read these, the test changes them between rounds. */
function fakeFleet() {
  const children: { workflow: string; args: { selector?: { include: string[] }; cluster?: string; bundle?: unknown; to?: unknown; requestedBy?: string; reason?: string } }[] = [];
  const w = {
    clusters: [cluster('a1', { labels: { team: 'a' } }), cluster('a2', { labels: { team: 'a' } }), cluster('b1', { labels: { team: 'b' } })],
    /** cluster -> what evaluation finds; guard's applied revision is the last one rolled out there. */
    applied: {} as Record<string, string>,
    missing: {} as Record<string, string[]>,
    unreachable: new Set<string>(),
    children,
  };
  const activities = {
    listFleet: async () => w.clusters,
    evaluatePolicyCompliance: async ({ clusters }: { clusters: string[] }): Promise<ClusterEvaluation[]> =>
      clusters.map((c) => (w.unreachable.has(c)
        ? { cluster: c, reachable: false, reason: 'connect ECONNREFUSED', policies: [], checkedAt: 'T' }
        : {
          cluster: c,
          reachable: true,
          checkedAt: 'T',
          policies: [
            { policy: 'guard', missing: w.missing[c] ?? [], drifted: [], extra: [], ...(w.applied[c] ? { appliedRevision: w.applied[c] } : {}) },
            { policy: 'look', missing: [], drifted: [], extra: [] },
          ],
        })),
    stubChild: async (call: { workflow: string; args: { selector?: { include: string[] }; bundle?: { revision: string } } }) => {
      children.push(call as never);
      if (call.workflow === 'fleetRollout') for (const c of call.args.selector!.include) w.applied[c] = call.args.bundle!.revision;
      return {};
    },
  };
  return { w, activities };
}

const states = (v: PolicyStatusView) => Object.fromEntries(Object.entries(v.matrix).map(([c, row]) => [c, Object.fromEntries(Object.entries(row).map(([p, x]) => [p, x.state]))]));

async function withWorker<T>(activities: object, fn: (taskQueue: string) => Promise<T>): Promise<T> {
  const taskQueue = `policy-${Math.random().toString(36).slice(2)}`;
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle, activities });
  return worker.runUntil(fn(taskQueue));
}

describe('fleetPolicy', () => {
  it('rolls enforced policies out to the selected clusters, keeps the matrix, asks drifted clusters to check now, and removes a policy once it is no longer enforced', async () => {
    const { w, activities } = fakeFleet();
    await withWorker(activities, async (taskQueue) => {
      const entity = await env.client.workflow.start('clusterEntity', { workflowId: 'cluster/a1', taskQueue, args: [] });
      const h: WorkflowHandle = await env.client.workflow.start('fleetPolicy', { workflowId: 'policy/fp', taskQueue, args: [{ policy: spec }] });
      // The first round starts guard's rollout; a round after it ended sees the revision applied.
      const v = await eventuallyUpdate(h, (x) => x.policies[0]?.rollout?.status === 'Succeeded' && states(x).a1?.guard === 'Compliant');
      expect(states(v)).toEqual({ a1: { guard: 'Compliant', look: 'Compliant' }, a2: { guard: 'Compliant', look: 'Compliant' } });
      expect(w.children.map((c) => `${c.workflow} ${c.args.selector?.include.join(',')}`)).toEqual(['fleetRollout a1,a2']);
      expect(v.policies[0]!.rollout).toMatchObject({ id: 'policy/fp/rollout/guard/1', clusters: ['a1', 'a2'], revision: guardRevision(spec) });

      // Drift on a1, a2 unreachable: reported, and a1's entity asked to check now.
      w.missing.a1 = ['ValidatingAdmissionPolicy v'];
      w.unreachable.add('a2');
      const drifted = await h.executeUpdate(evaluateFleetPolicy);
      expect(states(drifted)).toEqual({ a1: { guard: 'NonCompliant', look: 'Compliant' }, a2: { guard: 'Unknown', look: 'Unknown' } });
      expect(drifted.changes.slice(0, 3).map((c) => `${c.cluster}/${c.policy} ${c.from}->${c.to}`).sort()).toEqual(['a1/guard Compliant->NonCompliant', 'a2/guard Compliant->Unknown', 'a2/look Compliant->Unknown']);
      // At least once: a round the rollout's end started may also have seen the drift.
      expect(await entity.query(checksAsked)).toBeGreaterThanOrEqual(1);
      expect((await h.query(getPolicyStatus)).counts).toEqual({ Compliant: 1, NonCompliant: 1, Pending: 0, Unknown: 2 });

      // A cluster joins the team: it gets guard by a rollout of its own.
      w.clusters.push(cluster('a3', { labels: { team: 'a' } }));
      delete w.missing.a1;
      w.unreachable.clear();
      const joined = await eventuallyUpdate(h, (x) => states(x).a3?.guard === 'Compliant');
      expect(joined.counts).toEqual({ Compliant: 6, NonCompliant: 0, Pending: 0, Unknown: 0 });
      expect(w.children.map((c) => `${c.workflow} ${c.args.selector?.include.join(',')}`)).toEqual(['fleetRollout a1,a2', 'fleetRollout a3']);

      // A new file of another name is refused; a changed one rolls out again as generation 2.
      await expect(h.executeUpdate(applyFleetPolicy, { args: [{ ...spec, name: 'other' }] })).rejects.toThrow(WorkflowUpdateFailedError);
      const changed: FleetPolicyInput = { ...spec, policies: [{ name: 'guard', mode: 'enforce', objects: [{ ...vap, spec: { failurePolicy: 'Fail' } }] }, spec.policies[1]!] };
      expect(await h.executeUpdate(applyFleetPolicy, { args: [changed] })).toEqual({ generation: 2, revisions: { guard: guardRevision(changed), look: expect.any(String) } });
      await eventuallyUpdate(h, (x) => x.policies[0]?.rollout?.revision === guardRevision(changed) && x.counts.Compliant === 6);

      // Turned to inform: what was enforced leaves every cluster it went to (an informed policy never stays applied).
      const informed: FleetPolicyInput = { ...changed, policies: [{ ...changed.policies[0]!, mode: 'inform' }, spec.policies[1]!] };
      await h.executeUpdate(applyFleetPolicy, { args: [informed] });
      const after = await eventuallyUpdate(h, (x) => x.generation === 3 && !x.policies[0]?.rollout);
      expect(after.policies[0]).toMatchObject({ name: 'guard', mode: 'inform' });
      const removals = () => w.children.filter((c) => c.workflow === 'rollbackBundle').map((c) => [c.args.cluster, c.args.bundle, c.args.to]).sort();
      expect(removals()).toEqual([['a1', 'policy-fp-guard', null], ['a2', 'policy-fp-guard', null], ['a3', 'policy-fp-guard', null]]);

      // Delete: nothing is enforced any more, so nothing is removed; the workflow ends.
      await h.executeUpdate(deleteFleetPolicy, { args: [{ by: 'alice', reason: 'retired' }] });
      expect(await h.result()).toEqual({ deleted: true, removed: [], failed: [] });
      expect(removals()).toHaveLength(3);
    });
  });

  it('removes an enforced policy from a cluster relabelled out of the selector, forgets a vanished one, and never removes an inform policy', async () => {
    const { w, activities } = fakeFleet();
    const fq: FleetPolicyInput = { ...spec, name: 'fq' };
    w.clusters.push(cluster('a3', { labels: { team: 'a' } }));
    // As the real activity: the visibility query narrows to the team, `include` reads by name.
    const listFleet = async (s: { include?: string[] }) => w.clusters.filter((c) => (s.include ? s.include.includes(c.name) : c.labels.team === 'a'));
    // The first removal finds the cluster busy: it is tried again the next round.
    let busyOnce = true;
    const stubChild = async (call: Parameters<typeof activities.stubChild>[0]) => {
      const r = await activities.stubChild(call);
      if (call.workflow !== 'rollbackBundle' || !busyOnce) return r;
      busyOnce = false;
      return { fail: 'a2 is busy' };
    };
    await withWorker({ ...activities, listFleet, stubChild }, async (taskQueue) => {
      const h: WorkflowHandle = await env.client.workflow.start('fleetPolicy', { workflowId: 'policy/fq', taskQueue, args: [{ policy: fq }] });
      await eventuallyUpdate(h, (x) => x.policies[0]?.rollout?.status === 'Succeeded' && x.counts.Compliant === 6);

      // a2 moves to team b; a3 is no longer registered at all.
      w.clusters = [cluster('a1', { labels: { team: 'a' } }), cluster('a2', { labels: { team: 'b' } }), cluster('b1', { labels: { team: 'b' } })];
      const left = await eventuallyUpdate(h, (x) => x.policies[0]?.rollout?.clusters.join() === 'a1');
      expect(states(left)).toEqual({ a1: { guard: 'Compliant', look: 'Compliant' } });
      // Its newest changes (newest first): it left the matrix.
      expect(left.changes.filter((c) => c.cluster === 'a2').slice(0, 2).map((c) => `${c.policy} ${c.from}->${c.to}`).sort()).toEqual(['guard Compliant->None', 'look Compliant->None']);
      const removals = () => w.children.filter((c) => c.workflow === 'rollbackBundle').map((c) => [c.args.cluster, c.args.bundle, c.args.to]);
      // Only the enforced bundle, only where it was applied and the cluster is still there (twice: busy once).
      expect(removals()).toEqual([['a2', 'policy-fq-guard', null], ['a2', 'policy-fq-guard', null]]);
      expect(w.children.find((c) => c.workflow === 'rollbackBundle')!.args).toMatchObject({ requestedBy: 'fleet policy fq (cluster no longer selected)', reason: 'the selector of fleet policy fq no longer picks the cluster' });

      // Back in the team: a newcomer again, it gets guard by a rollout of its own.
      w.clusters[1] = cluster('a2', { labels: { team: 'a' } });
      await eventuallyUpdate(h, (x) => states(x).a2?.guard === 'Compliant');
      expect(w.children.filter((c) => c.workflow === 'fleetRollout').map((c) => c.args.selector!.include.join(','))).toEqual(['a1,a2,a3', 'a2']);

      await h.executeUpdate(deleteFleetPolicy, { args: [{ by: 'alice' }] });
      expect(await h.result()).toMatchObject({ removed: ['a1: policy-fq-guard', 'a2: policy-fq-guard'], failed: [] });
      expect(removals()).toHaveLength(4);
    });
  });

  it("evaluates an agent cluster on its agent's task queue, and a direct one on the main worker", async () => {
    const agentQueue = `fleetflow-agent/e1-${Math.random().toString(36).slice(2)}`;
    const target = { name: 'e1', provider: 'external' as const, region: 'external', agent: { taskQueue: agentQueue, offlineAfterMs: 60_000 } };
    const inform: FleetPolicyInput = { ...spec, name: 'fa', policies: [spec.policies[1]!] };
    const look = { policy: 'look', missing: [], drifted: [], extra: [] };
    const activities = {
      listFleet: async () => [cluster('a1', { labels: { team: 'a' } }), cluster('e1', { provider: 'external', labels: { team: 'a' } })],
      // As the main worker's activity: it reads a1, and hands e1 back to be evaluated on its agent.
      evaluatePolicyCompliance: async ({ clusters }: { clusters: string[] }): Promise<ClusterEvaluation[]> =>
        clusters.map((c) => (c === 'e1'
          ? { cluster: c, reachable: false, reason: 'reached through its agent', policies: [], checkedAt: 'T', throughAgent: target }
          : { cluster: c, reachable: true, checkedAt: 'T', policies: [look] })),
    };
    // Only the agent's worker has evaluateClusterPolicies: a call routed elsewhere could not run.
    const onAgent: unknown[] = [];
    const agent = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: agentQueue,
      activities: {
        evaluateClusterPolicies: async (input: { target: unknown }): Promise<ClusterEvaluation> => {
          onAgent.push(input.target);
          return { cluster: 'e1', reachable: true, checkedAt: 'T', policies: [{ ...look, drifted: ['ValidatingAdmissionPolicy w: .spec'] }] };
        },
      },
    });
    await agent.runUntil(
      withWorker(activities, async (taskQueue) => {
        const h = await env.client.workflow.start('fleetPolicy', { workflowId: 'policy/fa', taskQueue, args: [{ policy: inform }] });
        const v = await eventuallyUpdate(h, (x) => !!x.matrix.e1?.look && x.matrix.e1.look.state !== 'Pending');
        expect(states(v)).toEqual({ a1: { look: 'Compliant' }, e1: { look: 'NonCompliant' } });
        expect(v.matrix.e1!.look!.reasons).toEqual(['ValidatingAdmissionPolicy w: .spec differs']);
        expect(onAgent[0]).toEqual(target);
        await h.executeUpdate(deleteFleetPolicy, { args: [{ by: 'test' }] });
        await h.result();
      }),
    );
  });

  it('answers an evaluate request whose round failed with the matrix as it was, and does not run again at once', async () => {
    let calls = 0;
    const activities = {
      listFleet: async () => [cluster('a1', { labels: { team: 'a' } })],
      evaluatePolicyCompliance: async (): Promise<ClusterEvaluation[]> => {
        calls++;
        throw ApplicationFailure.nonRetryable('the evaluation could not run', 'ClusterUnreachable');
      },
    };
    await withWorker(activities, async (taskQueue) => {
      const h = await env.client.workflow.start('fleetPolicy', { workflowId: 'policy/failing', taskQueue, args: [{ policy: { ...spec, name: 'failing', policies: [spec.policies[1]!] } }] });
      const v = await h.executeUpdate(evaluateFleetPolicy);
      expect(v.evaluatedAt).toBeUndefined();
      const after = calls;
      // One more request, one more round: not a loop of them.
      await h.executeUpdate(evaluateFleetPolicy);
      expect(calls).toBe(after + 1);
      await h.executeUpdate(deleteFleetPolicy, { args: [{ by: 'test' }] });
      await h.result();
    });
  });

  it('fails at once on a policy holding a workload, naming the field', async () => {
    const { activities } = fakeFleet();
    await withWorker(activities, async (taskQueue) => {
      const bad = { ...spec, name: 'bad', policies: [{ name: 'x', mode: 'enforce', objects: [{ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' } }] }] };
      const err = await env.client.workflow.execute('fleetPolicy', { workflowId: 'policy/bad', taskQueue, args: [{ policy: bad }] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowFailedError);
      expect((err as WorkflowFailedError).cause?.message).toContain('policy.policies[0].objects[0].kind: Deployment of apps/v1 is not a policy kind');
    });
  });
});

/** Asks for evaluations until one satisfies `done` (each waits for a round of its own). */
async function eventuallyUpdate(h: WorkflowHandle, done: (v: PolicyStatusView) => boolean): Promise<PolicyStatusView> {
  for (let i = 0; i < 20; i++) {
    const v = await h.executeUpdate(evaluateFleetPolicy);
    if (done(v)) return v;
  }
  throw new Error(`no evaluation got there: ${JSON.stringify(await h.query(getPolicyStatus))}`);
}
