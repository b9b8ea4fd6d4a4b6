import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { describeObject } from '../src/domain/bundle/bundle.js';
import { clusterEntityId } from '../src/domain/cluster/inventory.js';
import type { ClusterState } from '../src/domain/cluster/state.js';
import { ClusterTargetSchema, targetOf, type ClusterTarget } from '../src/domain/cluster/target.js';
import { compileFleetPolicy, type CompiledPolicy } from '../src/domain/policy/compile.js';
import type { ClusterEvaluation, PolicyEvaluation } from '../src/domain/policy/compliance.js';
import { FleetPolicySchema, type FleetPolicyInput } from '../src/domain/policy/fleet-policy.js';
import { FleetflowError, messageOf } from '../src/errors.js';
import { parseBundle } from '../src/kube/apply-plan.js';
import type { ClusterCredentials } from '../src/kube/credentials.js';
import { diffBundle } from '../src/kube/diff.js';
import { fanOutForCluster } from '../src/kube/namespace-fanout.js';
import { mapSettled } from '../src/kube/pool.js';
import type { ProviderRegistry } from '../src/providers/registry.js';
import { getClusterState } from '../src/temporal/messages/cluster.js';
import { sharedQuery } from '../src/temporal/shared-query.js';
import { FIELD_MANAGER } from './bootstrap.js';
import { credentialsFor, parseInput } from './cluster-access.js';

/**
 * The field manager named for inform comparisons. They read and compare without writing
 * (diffBundle's `inform`), so it never owns a field; it names the comparison's requests apart.
 */
export const INFORM_FIELD_MANAGER = 'fleetflow-policy-inform';

/** Input of evaluatePolicyCompliance: the FleetPolicy and the clusters its selector picked. */
export interface EvaluatePolicyInput {
  policy: FleetPolicyInput;
  clusters: string[];
}

/** Input of evaluateClusterPolicies: the FleetPolicy and the one cluster to evaluate it on. */
export interface EvaluateClusterPoliciesInput {
  target: ClusterTarget;
  policy: FleetPolicyInput;
}

/** A failure that means "the cluster could not be reached", not "the policy could not be compared". */
const UNREACHABLE = new Set(['Network', 'TlsError', 'CredentialsUnavailable']);

export function policyActivities(client: Client, providers: ProviderRegistry) {
  /** One policy on one cluster: the diff of its bundle (fanned out for this cluster). Throws when the cluster is unreachable. */
  async function evaluateOne(creds: ClusterCredentials, c: CompiledPolicy): Promise<PolicyEvaluation> {
    try {
      const bundle = await fanOutForCluster(creds, parseBundle(c.bundle));
      const inform = c.mode === 'inform';
      const d = await diffBundle(creds, bundle, { fieldManager: inform ? INFORM_FIELD_MANAGER : FIELD_MANAGER, inform });
      return {
        policy: c.policy,
        ...(d.revision ? { appliedRevision: d.revision } : {}),
        missing: d.missing.map(describeObject),
        drifted: d.drifted.map((x) => `${describeObject(x.ref)}: ${x.fields.slice(0, 5).join(', ')}`),
        extra: d.toPrune.map(describeObject),
      };
    } catch (err) {
      if (err instanceof FleetflowError && UNREACHABLE.has(err.type)) throw err;
      return { policy: c.policy, missing: [], drifted: [], extra: [], error: `cannot compare: ${messageOf(err)}`.slice(0, 500) };
    }
  }

  async function evaluateCluster(name: string, compiled: CompiledPolicy[]): Promise<ClusterEvaluation> {
    const checkedAt = new Date().toISOString();
    const unreachable = (reason: string): ClusterEvaluation => ({ cluster: name, reachable: false, reason: reason.slice(0, 500), policies: [], checkedAt });
    let state: ClusterState;
    try {
      state = await sharedQuery(client, clusterEntityId(name), getClusterState);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return unreachable(`cluster ${name} is not registered`);
      throw err;
    }
    if (state.health.status === 'Unreachable') return unreachable(`the cluster's last health check found it Unreachable: ${state.health.reasons.slice(0, 2).join('; ')}`);
    const target = targetOf(state);
    // This worker holds no credential for an agent cluster: the workflow asks its agent.
    if (target.agent) return { ...unreachable('reached through its agent'), throughAgent: target };
    return evaluateOn(target, compiled);
  }

  /** Every policy on one cluster, with the credentials this worker (main or agent) has for it. */
  async function evaluateOn(target: ClusterTarget, compiled: CompiledPolicy[], beat: () => void = () => {}): Promise<ClusterEvaluation> {
    const checkedAt = new Date().toISOString();
    try {
      const creds = await credentialsFor(providers, target);
      const policies: PolicyEvaluation[] = [];
      // One policy after another: a cluster's API server is shared with its workloads.
      for (const c of compiled) {
        policies.push(await evaluateOne(creds, c));
        beat();
      }
      return { cluster: target.name, reachable: true, policies, checkedAt };
    } catch (err) {
      return { cluster: target.name, reachable: false, reason: `cannot reach the cluster: ${messageOf(err)}`.slice(0, 500), policies: [], checkedAt };
    }
  }

  return {
    /**
     * Compliance of every policy of a FleetPolicy on each named cluster. Changes nothing:
     * namespaces are listed and objects read (an inform policy needs read access only; an enforced one is dry-run applied). A cluster that cannot be
     * reached is reported so, not thrown; a policy that cannot be compared carries the reason.
     * Profile: long (heartbeats per cluster).
     */
    async evaluatePolicyCompliance({ policy, clusters }: EvaluatePolicyInput): Promise<ClusterEvaluation[]> {
      const fp = parseInput(FleetPolicySchema, policy, 'policy');
      const compiled = compileFleetPolicy(fp);
      const ctx = Context.current();
      let done = 0;
      // A slow cluster must not look like a stalled worker: heartbeat on a clock too.
      const beat = setInterval(() => ctx.heartbeat({ done, of: clusters.length }), 10_000);
      const settled = await mapSettled(clusters, 8, async (name) => {
        const e = await evaluateCluster(name, compiled);
        ctx.heartbeat({ done: ++done, of: clusters.length });
        return e;
      }).finally(() => clearInterval(beat));
      return settled.map((s, i) =>
        s.status === 'fulfilled' ? s.value : { cluster: clusters[i]!, reachable: false, reason: `cannot evaluate: ${messageOf(s.reason)}`.slice(0, 500), policies: [], checkedAt: new Date().toISOString() },
      );
    },

    /**
     * Compliance of every policy of a FleetPolicy on one cluster, read with this worker's own
     * credentials: what evaluatePolicyCompliance does per cluster, for a cluster reached through
     * its agent (it is one of the agent's activities, so it runs there). Changes nothing.
     * Profile: long (heartbeats per policy).
     */
    async evaluateClusterPolicies({ target, policy }: EvaluateClusterPoliciesInput): Promise<ClusterEvaluation> {
      const t = parseInput(ClusterTargetSchema, target, 'target');
      const compiled = compileFleetPolicy(parseInput(FleetPolicySchema, policy, 'policy'));
      const ctx = Context.current();
      return evaluateOn(t, compiled, () => ctx.heartbeat());
    },
  };
}
