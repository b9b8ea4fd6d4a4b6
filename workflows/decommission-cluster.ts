import { patched, setCurrentDetails } from '@temporalio/workflow';
import { isAgentCluster } from '../src/domain/cluster/connection.js';
import { DecommissionInputSchema, pollPlan, type DecommissionInput } from '../src/domain/cluster/operation-inputs.js';
import { targetOf } from '../src/domain/cluster/target.js';
import { long, quick } from './activity-profiles.js';
import { operationWorkflowId } from '../src/domain/cluster/workflow-ids.js';
import { OperationReporter, operationFailure, parseInput, requireWorkflowId, waitForStatus } from './operation-steps.js';

export interface DecommissionResult {
  name: string;
  providerId?: string;
}

/**
 * Deletes a cluster and retires its entity: claim (a protected cluster needs force and a
 * reason) -> delete through the provider -> wait until gone -> entity Deleted and completed.
 */
export async function decommissionCluster(input: DecommissionInput): Promise<DecommissionResult> {
  const { name, force, reason, requestedBy } = parseInput(DecommissionInputSchema, input, 'decommission request');
  requireWorkflowId(operationWorkflowId('decommission', name), 'name', name);
  setCurrentDetails(`decommission ${name}: claiming the cluster`);
  const report = new OperationReporter(name, 'decommission');
  const state = await quick
    .claimClusterOperation({
      name,
      request: {
        id: report.operationId,
        type: 'decommission',
        force,
        ...(reason ? { reason } : {}),
        ...(requestedBy ? { requestedBy } : {}),
      },
    })
    .catch((err: unknown) => {
      throw operationFailure('decommission', err); // refused: the entity was not changed
    });
  const target = targetOf(state);
  const plan = pollPlan(state.spec.provider);
  // An agent cluster is only deregistered, with no provider call: the main worker serves no
  // provider for it (its agent stays up on the site until its owner removes it).
  const viaAgent = isAgentCluster(state.spec) && patched('agent-deregister');
  try {
    if (viaAgent) await report.step('deregistering the agent cluster');
    else {
      await report.step(`deleting through the ${target.provider} provider`);
      await long.deleteCluster(target);
    }
    // An external cluster is only deregistered: it stays up, so there is nothing to wait for.
    if (target.provider !== 'external' && !viaAgent) {
      await report.step('waiting until the cluster is gone');
      await waitForStatus(target, 'NotFound', {
        plan,
        timeoutMs: plan.deleteTimeoutMs,
        step: 'waiting until deleted',
      });
    }
    const done = target.provider === 'external' || viaAgent ? 'deregistered (the cluster itself was not touched)' : 'decommissioned';
    await report.finish(true, force ? `${done} (forced: ${reason})` : done, {
      phase: 'Deleted',
      health: { status: 'Unknown', reasons: ['decommissioned'] },
    });
    return { name, ...(state.providerId ? { providerId: state.providerId } : {}) };
  } catch (err) {
    throw await report.fail('decommission', err);
  }
}
