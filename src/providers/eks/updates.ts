import { DescribeUpdateCommand, ListUpdatesCommand, UpdateClusterVersionCommand, UpdateNodegroupVersionCommand, type Update } from '@aws-sdk/client-eks';
import { PermanentError, TransientError } from '../../errors.js';
import type { ClusterRef, ProviderChange, UpgradeRequest } from '../types.js';
import { eksError, isAwsError } from './errors.js';
import { changeId, minorOf, parseChangeId, toChange, updateTarget } from './mapping.js';
import { describeNodegroup } from './node-groups.js';
import type { EksSession } from './session.js';
import { requestToken } from './tokens.js';

/** How many recent updates to read when looking for the one a repeated request started. */
const UPDATES_TO_SEARCH = 20;

/**
 * UpdateClusterVersion to the target minor, or the update this request already started: a
 * control plane that is already updating to (or already at) the target answers with that
 * update from ListUpdates rather than a second one or an error.
 */
export async function upgradeControlPlane(s: EksSession, ref: ClusterRef, req: UpgradeRequest): Promise<ProviderChange> {
  const region = s.regionOf(ref);
  const target = minorOf(req.version);
  const c = await s.mustDescribe(ref, region);
  if (c.version === target || c.status === 'UPDATING') {
    const found = await findVersionUpdate(s, ref.name, region, target);
    if (found) return toChange(changeId({ kind: 'cluster', updateId: found.id! }), found);
    if (c.version === target) return { id: changeId({ kind: 'current', version: target }), status: 'Succeeded' };
  }
  const step = `UpdateClusterVersion from ${c.version ?? '?'} to ${target}`;
  try {
    const out = await s.client(region).send(new UpdateClusterVersionCommand({ name: ref.name, version: target, clientRequestToken: requestToken(req.idempotencyKey) }));
    return changeOf(ref.name, step, { kind: 'cluster' }, out.update);
  } catch (e) {
    if (isAwsError(e, 'ResourceInUseException')) {
      const found = await findVersionUpdate(s, ref.name, region, target);
      if (found) return toChange(changeId({ kind: 'cluster', updateId: found.id! }), found);
    }
    throw eksError(e, ref.name, step);
  }
}

/** UpdateNodegroupVersion to the target minor, or the update this request already started. */
export async function upgradeNodegroup(s: EksSession, ref: ClusterRef, pool: string, req: UpgradeRequest): Promise<ProviderChange> {
  const region = s.regionOf(ref);
  const target = minorOf(req.version);
  await s.mustDescribe(ref, region);
  const ng = await describeNodegroup(s, ref.name, pool, region);
  if (!ng) throw new PermanentError(`cluster ${ref.name}: node group ${pool} not found on EKS`, 'NodePoolNotFound');
  if (ng.version === target || ng.status === 'UPDATING') {
    const found = await findVersionUpdate(s, ref.name, region, target, pool);
    if (found) return toChange(changeId({ kind: 'nodegroup', nodegroup: pool, updateId: found.id! }), found);
    if (ng.version === target) return { id: changeId({ kind: 'current', version: target }), status: 'Succeeded' };
  }
  const step = `UpdateNodegroupVersion ${pool} from ${ng.version ?? '?'} to ${target}`;
  try {
    const out = await s.client(region).send(
      new UpdateNodegroupVersionCommand({ clusterName: ref.name, nodegroupName: pool, version: target, clientRequestToken: requestToken(req.idempotencyKey) }),
    );
    return changeOf(ref.name, step, { kind: 'nodegroup', nodegroup: pool }, out.update);
  } catch (e) {
    if (isAwsError(e, 'ResourceInUseException')) {
      const found = await findVersionUpdate(s, ref.name, region, target, pool);
      if (found) return toChange(changeId({ kind: 'nodegroup', nodegroup: pool, updateId: found.id! }), found);
    }
    throw eksError(e, ref.name, step);
  }
}

/** DescribeUpdate for a change id; Failed and Cancelled updates carry EKS's errors. */
export async function describeUpdate(s: EksSession, ref: ClusterRef, id: string): Promise<ProviderChange> {
  const region = s.regionOf(ref);
  const parsed = parseChangeId(id);
  if (!parsed) throw new PermanentError(`cluster ${ref.name}: ${id} is not an EKS change id`, 'ChangeNotFound');
  if (parsed.kind === 'current') {
    const c = await s.mustDescribe(ref, region);
    return c.version === parsed.version ? { id, status: 'Succeeded' } : { id, status: 'Failed', message: `the control plane runs ${c.version ?? 'an unknown release'}, not ${parsed.version}` };
  }
  const nodegroup = parsed.kind === 'nodegroup' ? parsed.nodegroup : undefined;
  try {
    const out = await s.client(region).send(new DescribeUpdateCommand({ name: ref.name, updateId: parsed.updateId, ...(nodegroup ? { nodegroupName: nodegroup } : {}) }));
    return toChange(id, out.update ?? {});
  } catch (e) {
    if (isAwsError(e, 'ResourceNotFoundException')) throw new PermanentError(`cluster ${ref.name}: EKS has no update ${parsed.updateId}`, 'ChangeNotFound', { cause: e });
    throw eksError(e, ref.name, `DescribeUpdate ${parsed.updateId}`);
  }
}

/**
 * The version update to `target` that an earlier request started: in progress first, else
 * the newest successful one. Reads at most UPDATES_TO_SEARCH updates.
 */
async function findVersionUpdate(s: EksSession, cluster: string, region: string, target: string, nodegroup?: string): Promise<Update | undefined> {
  let ids: string[];
  try {
    const out = await s.client(region).send(new ListUpdatesCommand({ name: cluster, ...(nodegroup ? { nodegroupName: nodegroup } : {}), maxResults: 100 }));
    ids = (out.updateIds ?? []).slice(-UPDATES_TO_SEARCH);
  } catch (e) {
    throw eksError(e, cluster, `ListUpdates${nodegroup ? ` of ${nodegroup}` : ''}`);
  }
  const updates: Update[] = [];
  for (const updateId of ids) {
    try {
      const u = (await s.client(region).send(new DescribeUpdateCommand({ name: cluster, updateId, ...(nodegroup ? { nodegroupName: nodegroup } : {}) }))).update;
      if (u?.id && updateTarget(u) === target) updates.push(u);
    } catch (e) {
      if (!isAwsError(e, 'ResourceNotFoundException')) throw eksError(e, cluster, `DescribeUpdate ${updateId}`);
    }
  }
  const newest = (list: Update[]) => list.sort((a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0))[0];
  return newest(updates.filter((u) => u.status === 'InProgress')) ?? newest(updates.filter((u) => u.status === 'Successful'));
}

function changeOf(cluster: string, step: string, kind: { kind: 'cluster' } | { kind: 'nodegroup'; nodegroup: string }, u: Update | undefined): ProviderChange {
  if (!u?.id) throw new TransientError(`cluster ${cluster}: ${step}: EKS answered without an update id`, 'ProviderUnavailable');
  return toChange(changeId({ ...kind, updateId: u.id }), u);
}
