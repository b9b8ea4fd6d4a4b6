import { describe, expect, it } from 'vitest';
import { planAction, type ActionBody } from '../../src/domain/change/actions.js';
import type { ChangeAction, ChangeType } from '../../src/domain/auth/policy.js';

const BY = 'oidc:alice';

describe('an action on a change maps to the update that carries it', () => {
  const ok: [string, ChangeType, ChangeAction, ActionBody, string | undefined, unknown][] = [
    // Staged changes: the operation's own updates, `by` from the principal.
    ['approve names the gate', 'upgradeWave', 'approve', { gate: 'prod:before', reason: 'CHG-1' }, undefined, { update: 'approve', target: 'operation', arg: { by: BY, reason: 'CHG-1', gate: 'prod:before' } }],
    ['approve without a gate takes the one the change waits at', 'rollout', 'approve', {}, 'canary:after', { update: 'approve', target: 'operation', arg: { by: BY, gate: 'canary:after' } }],
    ['pause', 'fleetDecommission', 'pause', { reason: 'incident' }, undefined, { update: 'pause', target: 'operation', arg: { by: BY, reason: 'incident' } }],
    ['resume', 'upgradeWave', 'resume', {}, undefined, { update: 'resume', target: 'operation', arg: { by: BY } }],
    ['abort of a wave', 'upgradeWave', 'abort', { reason: 'stop' }, undefined, { update: 'abort', target: 'operation', arg: { by: BY, reason: 'stop' } }],
    // A rollout aborts through abortRollout, which can roll back.
    ['abort of a rollout, rolling back', 'rollout', 'abort', { reason: 'bad', rollback: true }, undefined, { update: 'abortRollout', target: 'operation', arg: { by: BY, reason: 'bad', rollback: true } }],
    ['retry of some clusters', 'rollout', 'retry', { clusters: ['web-1'] }, undefined, { update: 'retryFailed', target: 'operation', arg: { by: BY, clusters: ['web-1'] } }],
    ['skip', 'upgradeWave', 'skip', { cluster: 'web-2', reason: 'broken' }, undefined, { update: 'skipCluster', target: 'operation', arg: { by: BY, cluster: 'web-2', reason: 'broken' } }],
    // One-cluster changes: their own gate and abort, on the change's workflow.
    ['approve of a provision', 'provision', 'approve', { reason: 'CAB ok' }, 'change:before', { update: 'approve', target: 'change', arg: { by: BY, reason: 'CAB ok', gate: 'change:before' } }],
    ['abort of an upgrade', 'upgradeCluster', 'abort', { reason: 'freeze' }, undefined, { update: 'abort', target: 'change', arg: { by: BY, reason: 'freeze' } }],
  ];
  it.each(ok)('%s', (_why, type, action, body, waiting, call) => {
    expect(planAction(type, action, body, BY, waiting)).toEqual({ ok: true, call });
  });
});

describe('an action that cannot be mapped is refused, naming the field', () => {
  const invalid: [string, ChangeType, ChangeAction, ActionBody, { path: string; message: string }[]][] = [
    // The update's own schema decides what is required.
    ['abort needs a reason', 'upgradeWave', 'abort', {}, [{ path: 'reason', message: 'Invalid input: expected string, received undefined' }]],
    ['skip needs a cluster', 'rollout', 'skip', { reason: 'x' }, [{ path: 'cluster', message: 'Invalid input: expected string, received undefined' }]],
    // Fields the action does not take are named rather than ignored.
    ['pause takes no cluster', 'upgradeWave', 'pause', { cluster: 'a' }, [{ path: 'cluster', message: 'pause takes no cluster (it takes reason)' }]],
    ['only a rollout rolls back', 'upgradeWave', 'abort', { reason: 'x', rollback: true }, [{ path: 'rollback', message: 'only a rollout can roll back what it changed' }]],
    ['a one-cluster change has one gate', 'decommission', 'approve', { gate: 'prod:before' }, [{ path: 'gate', message: 'a decommission change has one gate, "change:before"' }]],
  ];
  it.each(invalid)('%s', (_why, type, action, body, problems) => {
    expect(planAction(type, action, body, BY, 'change:before')).toEqual({ ok: false, kind: 'invalid', problems });
  });

  it('refuses pause, resume, retry and skip of a one-cluster change, saying what it can do', () => {
    expect(planAction('provision', 'pause', {}, BY)).toEqual({ ok: false, kind: 'refused', message: 'a provision change acts on one cluster: it can be approved or aborted, not paused' });
    expect(planAction('upgradeCluster', 'skip', { cluster: 'a', reason: 'x' }, BY)).toMatchObject({ kind: 'refused', message: expect.stringContaining('not skipped') });
  });

  it('refuses an approval when the change waits at no gate and none is named', () => {
    expect(planAction('rollout', 'approve', {}, BY, undefined)).toEqual({ ok: false, kind: 'refused', message: 'the change waits at no gate: there is nothing to approve' });
  });
});
