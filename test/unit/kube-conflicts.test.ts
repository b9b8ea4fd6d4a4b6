import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { FleetflowError, PermanentError, TransientError } from '../../src/errors.js';
import { combineFailures, FieldConflictError, kubeError } from '../../src/kube/errors.js';

// The Status body the API server returns for a server-side apply conflict.
const conflict = (causes: { field: string; manager: string }[]) =>
  new ApiException(409, 'Conflict', {
    kind: 'Status',
    reason: 'Conflict',
    message: `Apply failed with ${causes.length} conflicts`,
    details: { causes: causes.map((c) => ({ reason: 'FieldManagerConflict', field: c.field, message: `conflict with "${c.manager}" using v1` })) },
  }, {});

describe('field manager conflicts', () => {
  it('become a permanent FieldConflictError listing object, field and manager', () => {
    const err = kubeError(conflict([{ field: '.data.tier', manager: 'kubectl-edit' }, { field: '.spec.replicas', manager: 'hpa' }]), 'apply ConfigMap a/b');
    expect(err).toBeInstanceOf(FieldConflictError);
    expect(err).toMatchObject({
      type: 'FieldManagerConflict',
      retryable: false,
      conflicts: [
        { object: 'ConfigMap a/b', field: '.data.tier', manager: 'kubectl-edit' },
        { object: 'ConfigMap a/b', field: '.spec.replicas', manager: 'hpa' },
      ],
    });
    expect(err.message).toBe('apply ConfigMap a/b: conflict: .data.tier is owned by "kubectl-edit", .spec.replicas is owned by "hpa" (HTTP 409)');
  });
});

describe('combineFailures', () => {
  it('merges the conflicts of several objects into one error', () => {
    const a = kubeError(conflict([{ field: '.data.x', manager: 'm1' }]), 'apply ConfigMap a/x');
    const b = kubeError(conflict([{ field: '.data.y', manager: 'm2' }]), 'apply ConfigMap a/y');
    const err = combineFailures([a, b], 'apply') as FieldConflictError;
    expect(err.conflicts.map((c) => `${c.object} ${c.field} ${c.manager}`)).toEqual(['ConfigMap a/x .data.x m1', 'ConfigMap a/y .data.y m2']);
    expect(err.retryable).toBe(false);
  });

  it('is permanent when any failure is, and retryable only when all are', () => {
    const transient = new TransientError('apply X: HTTP 503', 'ServerError');
    const permanent = new PermanentError('apply Y: forbidden', 'Forbidden');
    expect(combineFailures([transient, permanent], 'apply')).toMatchObject({ type: 'Forbidden', retryable: false });
    expect(combineFailures([transient, transient], 'apply')).toMatchObject({ type: 'ServerError', retryable: true });
    const one = combineFailures([permanent], 'apply');
    expect(one).toBe(permanent);
    expect(combineFailures(Array(7).fill(transient) as FleetflowError[], 'apply').message).toMatch(/7 objects failed: .*; and 2 more$/);
  });
});
