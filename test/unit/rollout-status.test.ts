import { describe, expect, it } from 'vitest';
import { rolloutVerdict, type WorkloadObject } from '../../src/domain/bundle/workload-rollout-status.js';

const deploy = (generation: number, spec: WorkloadObject['spec'], status: WorkloadObject['status']): WorkloadObject => ({
  kind: 'Deployment',
  metadata: { name: 'web', generation },
  spec,
  status,
});

describe('rolloutVerdict: Deployment (kubectl rollout status rules)', () => {
  const done = { observedGeneration: 2, replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3 };
  const cases: [string, WorkloadObject, string, string][] = [
    // The controller has not seen the new spec: nothing in status can be trusted yet.
    ['a generation not yet observed', deploy(3, { replicas: 3 }, done), 'Progressing', 'GenerationNotObserved'],
    ['no status at all (just created)', deploy(1, { replicas: 3 }, undefined), 'Progressing', 'GenerationNotObserved'],
    ['fewer updated replicas than wanted', deploy(2, { replicas: 3 }, { ...done, updatedReplicas: 1 }), 'Progressing', 'UpdatingReplicas'],
    ['old replicas still running', deploy(2, { replicas: 3 }, { ...done, replicas: 4 }), 'Progressing', 'TerminatingOldReplicas'],
    ['updated but not all available', deploy(2, { replicas: 3 }, { ...done, availableReplicas: 2 }), 'Progressing', 'WaitingForAvailability'],
    ['everything updated and available', deploy(2, { replicas: 3 }, done), 'Ready', 'RolledOut'],
    // The deadline verdict wins even while replicas are missing: it will not get better alone.
    [
      'the progress deadline exceeded',
      deploy(2, { replicas: 3 }, { ...done, updatedReplicas: 1, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'timed out' }] }),
      'Stuck',
      'ProgressDeadlineExceeded',
    ],
    // A replica failure alone is explained, but the deadline decides "stuck" (kubectl does the same).
    [
      'a ReplicaFailure condition before the deadline',
      deploy(2, { replicas: 3 }, { ...done, updatedReplicas: 0, conditions: [{ type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: 'quota' }] }),
      'Progressing',
      'UpdatingReplicas',
    ],
    ['replicas left out defaults to one', deploy(1, {}, { observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: 1 }), 'Ready', 'RolledOut'],
    ['scaled to zero', deploy(1, { replicas: 0 }, { observedGeneration: 1 }), 'Ready', 'RolledOut'],
  ];
  it.each(cases)('%s', (_why, obj, state, reason) => {
    expect(rolloutVerdict(obj)).toMatchObject({ state, reason });
  });

  it('carries the condition and message of a stuck Deployment, and the replica failure in a waiting one', () => {
    const stuck = deploy(1, { replicas: 1 }, { observedGeneration: 1, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "web-1" has timed out progressing.' }] });
    expect(rolloutVerdict(stuck)).toEqual({ state: 'Stuck', condition: 'Progressing', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "web-1" has timed out progressing.' });
    const failing = deploy(1, { replicas: 2 }, { observedGeneration: 1, conditions: [{ type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: 'exceeded quota' }] });
    expect(rolloutVerdict(failing).message).toBe('0 of 2 new replicas have been updated (FailedCreate: exceeded quota)');
  });
});

describe('rolloutVerdict: StatefulSet', () => {
  const sts = (spec: WorkloadObject['spec'], status: WorkloadObject['status'], generation = 1): WorkloadObject => ({ kind: 'StatefulSet', metadata: { generation }, spec, status });
  const done = { observedGeneration: 1, replicas: 3, readyReplicas: 3, availableReplicas: 3, updatedReplicas: 3, currentRevision: 'r2', updateRevision: 'r2' };
  const cases: [string, WorkloadObject, string, string][] = [
    ['not observed', sts({ replicas: 3 }, { ...done, observedGeneration: 0 }), 'Progressing', 'GenerationNotObserved'],
    ['pods not ready', sts({ replicas: 3 }, { ...done, readyReplicas: 2 }), 'Progressing', 'WaitingForReadyPods'],
    ['ready but not yet available (minReadySeconds)', sts({ replicas: 3 }, { ...done, availableReplicas: 1 }), 'Progressing', 'WaitingForAvailability'],
    ['revisions differ: rolling update under way', sts({ replicas: 3 }, { ...done, currentRevision: 'r1' }), 'Progressing', 'UpdatingRevision'],
    ['current revision everywhere', sts({ replicas: 3 }, done), 'Ready', 'RolledOut'],
    // With a partition only the pods above it move: 3 replicas, partition 2 -> 1 pod to update.
    ['partitioned, the partition not yet updated', sts({ replicas: 3, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } }, { ...done, updatedReplicas: 0, currentRevision: 'r1' }), 'Progressing', 'PartitionedRollout'],
    ['partitioned and done', sts({ replicas: 3, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } }, { ...done, updatedReplicas: 1, currentRevision: 'r1' }), 'Ready', 'PartitionRolledOut'],
    ['OnDelete is not tracked', sts({ replicas: 3, updateStrategy: { type: 'OnDelete' } }, undefined), 'Ready', 'NotTracked'],
  ];
  it.each(cases)('%s', (_why, obj, state, reason) => {
    expect(rolloutVerdict(obj)).toMatchObject({ state, reason });
  });
});

describe('rolloutVerdict: DaemonSet', () => {
  const ds = (status: WorkloadObject['status'], generation = 1, type?: string): WorkloadObject => ({ kind: 'DaemonSet', metadata: { generation }, spec: type ? { updateStrategy: { type } } : {}, status });
  const done = { observedGeneration: 1, desiredNumberScheduled: 4, updatedNumberScheduled: 4, numberAvailable: 4 };
  const cases: [string, WorkloadObject, string, string][] = [
    ['not observed', ds(done, 2), 'Progressing', 'GenerationNotObserved'],
    ['nodes still on the old template', ds({ ...done, updatedNumberScheduled: 3 }), 'Progressing', 'UpdatingPods'],
    ['updated but not available everywhere', ds({ ...done, numberAvailable: 3 }), 'Progressing', 'WaitingForAvailability'],
    ['all nodes updated and available', ds(done), 'Ready', 'RolledOut'],
    ['no nodes to run on is done', ds({ observedGeneration: 1 }), 'Ready', 'RolledOut'],
    ['OnDelete is not tracked', ds(undefined, 1, 'OnDelete'), 'Ready', 'NotTracked'],
  ];
  it.each(cases)('%s', (_why, obj, state, reason) => {
    expect(rolloutVerdict(obj)).toMatchObject({ state, reason });
  });
});
