import { describe, expect, it } from 'vitest';
import { changeAudit, type ChangeAuditEntry } from '../../src/domain/change/audit.js';

const approve = (at: string, by: string, detail: string, reason?: string): ChangeAuditEntry => ({ at, action: 'approve', by, detail, ...(reason ? { reason } : {}) });

describe("a change's audit trail joins its own actions and its operation's", () => {
  const cases: [string, ChangeAuditEntry[], unknown, ChangeAuditEntry[]][] = [
    // A one-cluster change: its own gate's approval; it has no progress.
    ['a one-cluster change: its own entries', [approve('2026-11-30T10:00:00.000Z', 'oidc:bob', 'change:before', 'CAB')], undefined, [approve('2026-11-30T10:00:00.000Z', 'oidc:bob', 'change:before', 'CAB')]],
    // A staged change: the stage gate was approved on the operation, so only the progress has it.
    ['a staged change: the operation\'s approval of a stage gate', [], { audit: [approve('2026-11-30T10:05:00.000Z', 'oidc:bob', 'prod:before', 'CAB approved')] }, [approve('2026-11-30T10:05:00.000Z', 'oidc:bob', 'prod:before', 'CAB approved')]],
    // Both, interleaved by time; equal times keep the change's entry first.
    [
      'both, oldest first',
      [approve('2026-11-30T10:02:00.000Z', 'oidc:carol', 'change:before')],
      { audit: [{ at: '2026-11-30T10:03:00.000Z', action: 'pause', by: 'oidc:bob', reason: 'incident' }, approve('2026-11-30T10:01:00.000Z', 'oidc:bob', 'dev:after'), approve('2026-11-30T10:02:00.000Z', 'oidc:dave', 'prod:before')] },
      [approve('2026-11-30T10:01:00.000Z', 'oidc:bob', 'dev:after'), approve('2026-11-30T10:02:00.000Z', 'oidc:carol', 'change:before'), approve('2026-11-30T10:02:00.000Z', 'oidc:dave', 'prod:before'), { at: '2026-11-30T10:03:00.000Z', action: 'pause', by: 'oidc:bob', reason: 'incident' }],
    ],
    // A progress without an audit (planning), or with entries of another shape, adds nothing.
    ['a progress without audit', [], { outcome: 'InProgress', summary: 'planning' }, []],
    ['entries that are not audit entries are left out, extra fields dropped', [], { audit: [null, 'x', { at: 1, action: 'approve', by: 'a' }, { at: '2026-11-30T10:00:00.000Z', action: 'skipCluster', by: 'oidc:bob', detail: 'web-2', extra: true }] }, [{ at: '2026-11-30T10:00:00.000Z', action: 'skipCluster', by: 'oidc:bob', detail: 'web-2' }]],
  ];
  it.each(cases)('%s', (_why, own, progress, expected) => {
    expect(changeAudit(own, progress)).toEqual(expected);
  });
});
