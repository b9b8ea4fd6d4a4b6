import {
  CreateNodegroupCommand,
  DeleteNodegroupCommand,
  DescribeNodegroupCommand,
  ListNodegroupsCommand,
  type Nodegroup,
} from '@aws-sdk/client-eks';
import type { NodePoolSpec } from '../../domain/cluster/spec.js';
import { PermanentError, TransientError } from '../../errors.js';
import type { ClusterRef, ProviderNodePool } from '../types.js';
import { eksError, isAwsError } from './errors.js';
import { CREATE_TOKEN_TAG, MANAGED_BY_TAG, toNodePool } from './mapping.js';
import type { EksSession } from './session.js';
import { requestToken } from './tokens.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every node group of the cluster, described (ListNodegroups is paginated). */
export async function listNodegroups(s: EksSession, cluster: string, region: string): Promise<Nodegroup[]> {
  const names: string[] = [];
  let nextToken: string | undefined;
  do {
    try {
      const out = await s.client(region).send(new ListNodegroupsCommand({ clusterName: cluster, ...(nextToken ? { nextToken } : {}) }));
      names.push(...(out.nodegroups ?? []));
      nextToken = out.nextToken;
    } catch (e) {
      if (isAwsError(e, 'ResourceNotFoundException')) return [];
      throw eksError(e, cluster, 'ListNodegroups');
    }
  } while (nextToken);
  const described = await Promise.all(names.sort().map((n) => describeNodegroup(s, cluster, n, region)));
  return described.filter((n): n is Nodegroup => !!n);
}

/** DescribeNodegroup; undefined when absent. */
export async function describeNodegroup(s: EksSession, cluster: string, nodegroup: string, region: string): Promise<Nodegroup | undefined> {
  try {
    return (await s.client(region).send(new DescribeNodegroupCommand({ clusterName: cluster, nodegroupName: nodegroup }))).nodegroup;
  } catch (e) {
    if (isAwsError(e, 'ResourceNotFoundException')) return undefined;
    throw eksError(e, cluster, `DescribeNodegroup ${nodegroup}`);
  }
}

/** Starts the node groups the cluster lacks (by name), at the control plane's release. */
export async function createNodegroups(s: EksSession, ref: ClusterRef, pools: readonly NodePoolSpec[], idempotencyKey: string): Promise<ProviderNodePool[]> {
  if (pools.length === 0) return [];
  const region = s.regionOf(ref);
  const { nodeRoleArn, subnetIds } = s.account;
  if (!nodeRoleArn || !subnetIds?.length) {
    throw new PermanentError(
      `cluster ${ref.name}: creating node groups on EKS: account ${s.accountName} has no nodeRoleArn and subnetIds; add them to its entry in the Fleetflow config`,
      'AccountIncomplete',
    );
  }
  const c = await s.mustDescribe(ref, region);
  const existing = new Set((await listNodegroups(s, ref.name, region)).map((n) => n.nodegroupName));
  for (const pool of pools.filter((p) => !existing.has(p.name))) {
    const token = requestToken(`${idempotencyKey}/${pool.name}`);
    try {
      await s.client(region).send(
        new CreateNodegroupCommand({
          clusterName: ref.name,
          nodegroupName: pool.name,
          nodeRole: nodeRoleArn,
          subnets: subnetIds,
          scalingConfig: { minSize: pool.nodeCount, desiredSize: pool.nodeCount, maxSize: Math.max(1, pool.nodeCount) },
          clientRequestToken: token,
          tags: { [MANAGED_BY_TAG]: 'fleetflow', [CREATE_TOKEN_TAG]: token },
          ...(pool.machineType ? { instanceTypes: [pool.machineType] } : {}),
          ...(c.version ? { version: c.version } : {}),
        }),
      );
    } catch (e) {
      // Made by an earlier attempt whose answer was lost: the pool is there, which is the goal.
      if (!isAwsError(e, 'ResourceInUseException')) throw eksError(e, ref.name, `CreateNodegroup ${pool.name}`);
    }
  }
  const wanted = new Set(pools.map((p) => p.name));
  return (await listNodegroups(s, ref.name, region)).filter((n) => wanted.has(n.nodegroupName ?? '')).map(toNodePool);
}

/**
 * Starts deleting every node group and waits until none is left, since EKS refuses to delete
 * a cluster that has any; bounded by tuning.deleteWaitMs, then a retryable error.
 */
export async function deleteNodegroups(s: EksSession, cluster: string, region: string): Promise<void> {
  const deadline = Date.now() + s.tuning.deleteWaitMs;
  for (;;) {
    const groups = await listNodegroups(s, cluster, region);
    if (groups.length === 0) return;
    for (const g of groups.filter((n) => n.status !== 'DELETING')) {
      try {
        await s.client(region).send(new DeleteNodegroupCommand({ clusterName: cluster, nodegroupName: g.nodegroupName! }));
      } catch (e) {
        // Gone already, or busy (still creating or updating): look again on the next round.
        if (!isAwsError(e, 'ResourceNotFoundException', 'ResourceInUseException')) throw eksError(e, cluster, `DeleteNodegroup ${g.nodegroupName}`);
      }
    }
    if (Date.now() > deadline) {
      const left = groups.map((g) => `${g.nodegroupName} ${g.status}`).join(', ');
      throw new TransientError(`cluster ${cluster}: node groups still there after ${Math.round(s.tuning.deleteWaitMs / 1000)} s: ${left}`, 'NodePoolsDeleting');
    }
    await sleep(s.tuning.deletePollMs);
  }
}
