import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { FleetPolicyInput } from '../../domain/policy/fleet-policy.js';
import type { DeletePolicyInput, PolicyStatusView } from '../../domain/policy/policy-state.js';

/** The fleet x policy matrix, each policy's revision and rollout, and recent compliance changes. */
export const getPolicyStatus = defineQuery<PolicyStatusView>('getPolicyStatus');

/** Replaces the FleetPolicy (same name); every enforced policy rolls out again. */
export const applyFleetPolicy = defineUpdate<{ generation: number; revisions: Record<string, string> }, [FleetPolicyInput]>('applyFleetPolicy');

/** Evaluates compliance now; returns once an evaluation that started after the request is done. */
export const evaluateFleetPolicy = defineUpdate<PolicyStatusView, []>('evaluateFleetPolicy');

/** Removes the enforced policies from the clusters and ends the workflow. */
export const deleteFleetPolicy = defineUpdate<{ accepted: true }, [DeletePolicyInput]>('deleteFleetPolicy');
