// The bundle of upgrade-cluster.test.ts: the real upgradeCluster, a stand-in cluster entity
// that records what the upgrade reports to it, and a stand-in wave that starts upgradeCluster
// as its child the way upgradeWave does.
import { condition, setHandler, startChild, workflowInfo } from '@temporalio/workflow';
import type { OperationOutcome } from '../../src/domain/cluster/lifecycle.js';
import { operationFinished } from '../../src/temporal/messages/cluster.js';
import type { UpgradeClusterResult } from '../../workflows/upgrade-cluster.js';

export { upgradeCluster } from '../../workflows/upgrade-cluster.js';

/** Stands in for the cluster entity (id `cluster/<name>`): ends with the operation's outcome. */
export async function clusterEntity(): Promise<OperationOutcome> {
  let outcome: OperationOutcome | undefined;
  setHandler(operationFinished, (o) => void (outcome = o));
  await condition(() => outcome !== undefined);
  return outcome!;
}

/** Starts upgradeCluster as its child, naming itself as the wave (as upgradeWave does). */
export async function waveParent(input: { name: string; version: string }): Promise<UpgradeClusterResult> {
  const child = await startChild('upgradeCluster', { workflowId: `upgrade/${input.name}`, args: [{ ...input, wave: workflowInfo().workflowId }] });
  return (await child.result()) as UpgradeClusterResult;
}
