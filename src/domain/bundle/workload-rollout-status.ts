/**
 * Whether a workload has finished rolling out, following `kubectl rollout status`: the
 * controller must have observed the current generation, every replica must run the new
 * template and be available; a Deployment whose Progressing condition says
 * ProgressDeadlineExceeded is stuck. Pure: takes the object as read, returns a verdict.
 */

/** Ready: done. Progressing: not yet, keep waiting. Stuck: will not finish without a change. */
export type RolloutState = 'Ready' | 'Progressing' | 'Stuck';

export interface RolloutVerdict {
  state: RolloutState;
  /** The condition type the verdict rests on, when one does (e.g. "Progressing"). */
  condition?: string;
  /** The machine reason (condition reason, or a Fleetflow reason such as "UpdatingReplicas"). */
  reason: string;
  /** Human text, in kubectl's words where it has some. */
  message: string;
}

/** Workload kinds whose rollout can be waited on (all in the apps group). */
export const ROLLOUT_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet'] as const;

interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}

/** The parts of a workload object this module reads; everything is optional, as on the wire. */
export interface WorkloadObject {
  kind?: string;
  metadata?: { name?: string; generation?: number };
  spec?: {
    replicas?: number;
    updateStrategy?: { type?: string; rollingUpdate?: { partition?: number } };
  };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    currentRevision?: string;
    updateRevision?: string;
    desiredNumberScheduled?: number;
    updatedNumberScheduled?: number;
    numberAvailable?: number;
    conditions?: Condition[];
  };
}

const n = (v: number | undefined) => v ?? 0;

function observed(obj: WorkloadObject): boolean {
  const status = obj.status ?? {};
  return status.observedGeneration !== undefined && n(obj.metadata?.generation) <= status.observedGeneration;
}

const waitingForObservation = (kind: string): RolloutVerdict => ({
  state: 'Progressing',
  reason: 'GenerationNotObserved',
  message: `waiting for the ${kind} controller to observe the new spec`,
});

/** Verdict for a Deployment. */
export function deploymentRollout(d: WorkloadObject): RolloutVerdict {
  if (!observed(d)) return waitingForObservation('deployment');
  const s = d.status ?? {};
  const progressing = s.conditions?.find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    return {
      state: 'Stuck',
      condition: 'Progressing',
      reason: 'ProgressDeadlineExceeded',
      message: progressing.message ?? 'deployment exceeded its progress deadline',
    };
  }
  const want = d.spec?.replicas ?? 1;
  // A failing ReplicaSet (quota, admission) explains a wait; the progress deadline decides "stuck".
  const failure = s.conditions?.find((c) => c.type === 'ReplicaFailure' && c.status === 'True');
  const why = failure ? ` (${failure.reason ?? 'ReplicaFailure'}: ${failure.message ?? ''})` : '';
  if (n(s.updatedReplicas) < want) {
    return { state: 'Progressing', reason: 'UpdatingReplicas', message: `${n(s.updatedReplicas)} of ${want} new replicas have been updated${why}` };
  }
  if (n(s.replicas) > n(s.updatedReplicas)) {
    return { state: 'Progressing', reason: 'TerminatingOldReplicas', message: `${n(s.replicas) - n(s.updatedReplicas)} old replicas are pending termination${why}` };
  }
  if (n(s.availableReplicas) < n(s.updatedReplicas)) {
    return { state: 'Progressing', reason: 'WaitingForAvailability', message: `${n(s.availableReplicas)} of ${n(s.updatedReplicas)} updated replicas are available${why}` };
  }
  return { state: 'Ready', reason: 'RolledOut', message: `${want} of ${want} replicas updated and available` };
}

/** Verdict for a StatefulSet (RollingUpdate; OnDelete is not tracked, as in kubectl). */
export function statefulSetRollout(s: WorkloadObject): RolloutVerdict {
  const strategy = s.spec?.updateStrategy?.type ?? 'RollingUpdate';
  if (strategy !== 'RollingUpdate') {
    return { state: 'Ready', reason: 'NotTracked', message: `update strategy ${strategy}: rollout status is only tracked for RollingUpdate` };
  }
  if (!observed(s) || !s.status?.observedGeneration) return waitingForObservation('statefulset');
  const st = s.status;
  const want = s.spec?.replicas ?? 1;
  if (n(st.readyReplicas) < want) {
    return { state: 'Progressing', reason: 'WaitingForReadyPods', message: `${n(st.readyReplicas)} of ${want} pods are ready` };
  }
  if (st.availableReplicas !== undefined && st.availableReplicas < want) {
    return { state: 'Progressing', reason: 'WaitingForAvailability', message: `${st.availableReplicas} of ${want} pods are available` };
  }
  const partition = s.spec?.updateStrategy?.rollingUpdate?.partition ?? 0;
  if (partition > 0) {
    const target = Math.max(want - partition, 0);
    if (n(st.updatedReplicas) < target) {
      return { state: 'Progressing', reason: 'PartitionedRollout', message: `${n(st.updatedReplicas)} of ${target} new pods have been updated (partition ${partition})` };
    }
    return { state: 'Ready', reason: 'PartitionRolledOut', message: `partitioned rollout complete: ${n(st.updatedReplicas)} new pods` };
  }
  if (st.updateRevision !== st.currentRevision) {
    return { state: 'Progressing', reason: 'UpdatingRevision', message: `${n(st.updatedReplicas)} pods at revision ${st.updateRevision ?? '?'}, waiting for all ${want}` };
  }
  return { state: 'Ready', reason: 'RolledOut', message: `${want} pods at revision ${st.currentRevision ?? '?'}` };
}

/** Verdict for a DaemonSet (RollingUpdate; OnDelete is not tracked, as in kubectl). */
export function daemonSetRollout(d: WorkloadObject): RolloutVerdict {
  const strategy = d.spec?.updateStrategy?.type ?? 'RollingUpdate';
  if (strategy !== 'RollingUpdate') {
    return { state: 'Ready', reason: 'NotTracked', message: `update strategy ${strategy}: rollout status is only tracked for RollingUpdate` };
  }
  if (!observed(d)) return waitingForObservation('daemonset');
  const s = d.status ?? {};
  const want = n(s.desiredNumberScheduled);
  if (n(s.updatedNumberScheduled) < want) {
    return { state: 'Progressing', reason: 'UpdatingPods', message: `${n(s.updatedNumberScheduled)} of ${want} new pods have been updated` };
  }
  if (n(s.numberAvailable) < want) {
    return { state: 'Progressing', reason: 'WaitingForAvailability', message: `${n(s.numberAvailable)} of ${want} updated pods are available` };
  }
  return { state: 'Ready', reason: 'RolledOut', message: `${want} of ${want} pods updated and available` };
}

/** Verdict for any workload kind in ROLLOUT_KINDS; other kinds are Ready (nothing to wait for). */
export function rolloutVerdict(obj: WorkloadObject): RolloutVerdict {
  switch (obj.kind) {
    case 'Deployment':
      return deploymentRollout(obj);
    case 'StatefulSet':
      return statefulSetRollout(obj);
    case 'DaemonSet':
      return daemonSetRollout(obj);
    default:
      return { state: 'Ready', reason: 'NotAWorkload', message: `${obj.kind ?? 'object'} has no rollout` };
  }
}
