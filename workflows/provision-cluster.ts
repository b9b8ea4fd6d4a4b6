import { setCurrentDetails } from '@temporalio/workflow';
import { pollPlan, ProvisionInputSchema, type ProvisionInput } from '../src/domain/cluster/operation-inputs.js';
import { targetOf } from '../src/domain/cluster/target.js';
import { cloud, long, quick } from './activity-profiles.js';
import { operationWorkflowId } from '../src/domain/cluster/workflow-ids.js';
import { OperationReporter, operationFailure, parseInput, requireWorkflowId, waitForNodePools, waitForStatus } from './operation-steps.js';

export interface ProvisionResult {
  name: string;
  providerId: string;
  endpoint: string;
  version: string;
  objectsApplied: number;
}

/**
 * Makes a registered (or new) cluster real: validate -> claim the cluster entity -> create
 * through the provider (idempotent by name and key) -> wait until ready -> bootstrap the
 * baseline bundle -> verify -> Active. Safe to start twice: the provider returns the cluster
 * it already made, and the bundle is applied with server-side apply.
 */
export async function provisionCluster(input: ProvisionInput): Promise<ProvisionResult> {
  const { spec, requestedBy } = parseInput(ProvisionInputSchema, input, 'cluster spec', 'InvalidClusterSpec');
  requireWorkflowId(operationWorkflowId('provision', spec.name), 'spec.name', spec.name);
  setCurrentDetails(`provision ${spec.name}: claiming the cluster`);
  const report = new OperationReporter(spec.name, 'provision');
  await quick
    .claimClusterOperation({
      name: spec.name,
      spec,
      request: { id: report.operationId, type: 'provision', ...(requestedBy ? { requestedBy } : {}) },
    })
    .catch((err: unknown) => {
      throw operationFailure('provision', err); // refused: the entity was not changed
    });
  const plan = pollPlan(spec.provider);
  try {
    await report.step(`creating through the ${spec.provider} provider`);
    const created = await cloud.createCluster({ spec, idempotencyKey: `${report.operationId}/create` });
    const target = targetOf(spec, created.providerId);
    await report.step('waiting until the API server is ready', { ...(created.providerId ? { providerId: created.providerId } : {}) });
    const ready = await waitForStatus(target, 'Running', {
      plan,
      timeoutMs: plan.readyTimeoutMs,
      step: 'waiting until ready',
    });
    if (spec.nodePools.length > 0) {
      const names = spec.nodePools.map((p) => p.name);
      await report.step(`creating node pools ${names.join(', ')}`);
      await cloud.createNodePools({ target, pools: spec.nodePools, idempotencyKey: `${report.operationId}/node-pools` });
      await waitForNodePools(target, names, { plan, timeoutMs: plan.readyTimeoutMs, step: 'waiting for node pools' });
    }
    await report.step('bootstrapping the baseline bundle', {
      ...(ready.endpoint ? { endpoint: ready.endpoint } : {}),
      ...(ready.version ? { version: ready.version } : {}),
    });
    const applied = await long.bootstrapCluster({ target, spec });
    await report.step('verifying');
    const verified = await quick.verifyCluster({ target, spec });
    await report.finish(true, `provisioned: ${verified.objectsFound} bootstrap objects verified, v${verified.version}`, {
      phase: 'Active',
      version: verified.version,
      health: verified.health,
    });
    return {
      name: spec.name,
      providerId: ready.providerId ?? created.providerId ?? '',
      endpoint: ready.endpoint ?? '',
      version: verified.version,
      objectsApplied: applied.objects,
    };
  } catch (err) {
    throw await report.fail('provision', err);
  }
}
