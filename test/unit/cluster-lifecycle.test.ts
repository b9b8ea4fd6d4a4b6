import { describe, expect, it } from 'vitest';
import {
  beginOperation,
  finishOperation,
  applyProgress,
  newClusterState,
  refuseOperation,
  refuseSpecChange,
  type OperationRequest,
} from '../../src/domain/cluster/lifecycle.js';
import { ClusterSpecSchema } from '../../src/domain/cluster/spec.js';
import { HISTORY_LIMIT } from '../../src/domain/cluster/state.js';

const T0 = '2026-11-25T10:00:00.000Z';
const T1 = '2026-11-25T10:05:00.000Z';
const spec = (extra: object = {}) => ClusterSpecSchema.parse({ name: 'web-1', provider: 'local', ...extra });
const provision: OperationRequest = { id: 'provision/web-1', type: 'provision' };
const decommission: OperationRequest = { id: 'decommission/web-1', type: 'decommission' };

describe('refuseOperation', () => {
  it('admits one operation and refuses a second while it runs, naming the running one', () => {
    const busy = beginOperation(newClusterState(spec(), T0), provision, T0);
    expect(refuseOperation(busy, decommission)).toEqual({
      type: 'ClusterBusy',
      message:
        'cluster web-1 is busy: provision operation provision/web-1 has been running since 2026-11-25T10:00:00.000Z; try again when it has finished',
    });
  });

  it('lets the same operation claim again (a retried activity) without a second start', () => {
    const busy = beginOperation(newClusterState(spec(), T0), provision, T0);
    expect(refuseOperation(busy, provision)).toBeUndefined();
    expect(beginOperation(busy, provision, T1)).toBe(busy);
  });

  // Protected clusters
  it('refuses to decommission a protected cluster without force', () => {
    const s = newClusterState(spec({ protected: true }), T0);
    expect(refuseOperation(s, decommission)?.type).toBe('ClusterProtected');
    expect(refuseOperation(s, { ...decommission, force: true })?.message).toContain('needs a reason');
    expect(refuseOperation(s, { ...decommission, force: true, reason: 'retired' })).toBeUndefined();
  });

  it('refuses everything on a deleted cluster', () => {
    const s = { ...newClusterState(spec(), T0), phase: 'Deleted' as const };
    expect(refuseOperation(s, provision)?.type).toBe('ClusterDeleted');
  });

  it('refuses a provision that would move an active cluster to another region', () => {
    const active = { ...newClusterState(spec(), T0), phase: 'Active' as const };
    expect(refuseOperation(active, { ...provision, spec: spec({ region: 'elsewhere' }) })).toEqual({
      type: 'InvalidClusterSpec',
      message: 'spec.region: cannot change from local to elsewhere while the cluster is Active',
    });
  });
});

describe('operation progress and outcome', () => {
  it('moves through Provisioning to Active and records the operation', () => {
    let s = beginOperation(newClusterState(spec(), T0), provision, T0);
    expect(s.phase).toBe('Provisioning');
    s = applyProgress(s, provision.id, 'waiting', { providerId: 'local://web-1/x' }, T0);
    expect(s.current?.message).toBe('waiting');
    s = finishOperation(s, { operationId: provision.id, succeeded: true, message: 'ok', patch: { phase: 'Active', version: '1.35.4' } }, T1);
    expect(s).toMatchObject({ phase: 'Active', version: '1.35.4', providerId: 'local://web-1/x' });
    expect(s.current).toBeUndefined();
    expect(s.history[0]).toMatchObject({ id: provision.id, status: 'Succeeded', endedAt: T1 });
  });

  it('ignores reports from an operation that does not hold the cluster', () => {
    const s = beginOperation(newClusterState(spec(), T0), provision, T0);
    expect(applyProgress(s, 'provision/other', 'x', { version: '9.9' }, T1)).toBe(s);
    expect(finishOperation(s, { operationId: 'provision/other', succeeded: true, message: '' }, T1)).toBe(s);
  });

  it('marks a failed operation Failed with its error, and a later success clears the error', () => {
    let s = beginOperation(newClusterState(spec(), T0), provision, T0);
    s = finishOperation(s, { operationId: provision.id, succeeded: false, message: 'boom' }, T1);
    expect(s).toMatchObject({ phase: 'Failed', lastError: 'boom' });
    const retry = { ...provision, id: 'provision/web-1-retry' };
    s = beginOperation(s, retry, T1);
    s = finishOperation(s, { operationId: retry.id, succeeded: true, message: 'ok', patch: { phase: 'Active' } }, T1);
    expect(s.lastError).toBeUndefined();
  });

  it('keeps a bounded history, newest first', () => {
    let s = newClusterState(spec(), T0);
    for (let i = 0; i < HISTORY_LIMIT + 5; i++) {
      const req = { id: `op-${i}`, type: 'provision' as const };
      s = finishOperation(beginOperation(s, req, T0), { operationId: req.id, succeeded: true, message: '' }, T1);
    }
    expect(s.history).toHaveLength(HISTORY_LIMIT);
    expect(s.history[0]!.id).toBe(`op-${HISTORY_LIMIT + 4}`);
  });
});

describe('refuseSpecChange', () => {
  it('allows label changes on an active cluster but not a version change', () => {
    const active = { ...newClusterState(spec({ kubernetesVersion: '1.35' }), T0), phase: 'Active' as const };
    expect(refuseSpecChange(active, spec({ kubernetesVersion: '1.35', labels: { team: 'x' } }))).toBeUndefined();
    expect(refuseSpecChange(active, spec({ kubernetesVersion: '1.36' }))).toContain('spec.kubernetesVersion');
  });
});
