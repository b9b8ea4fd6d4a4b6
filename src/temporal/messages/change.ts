import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { DeliveryStatus } from '../../domain/change/deliveries.js';
import type { ChangeEvent } from '../../domain/change/request.js';

// Messages of a change's callbacks workflow (`changeCallbacks`, id callbacksWorkflowIdOf(changeId)).

/**
 * One event of a change, in the order it happened: sent by a staged operation to its fleetChange
 * workflow (a gate waits, a stage ended), and by the fleetChange workflow to its callbacks
 * workflow, which numbers and delivers it.
 */
export const changeEvent = defineSignal<[ChangeEvent]>('changeEvent');

/**
 * From a staged operation to its fleetChange workflow: the gate it waits at now, or none once it
 * runs again (approved), so that the change's state is WaitingForApproval exactly while the
 * operation waits. Not a callback event: the change's callbacks hear of gates through changeEvent.
 */
export const operationGate = defineSignal<[{ gate?: string; at: string }]>('operationGate');

/** Every delivery so far, per event and target: pending, delivered or failed. */
export const getDeliveries = defineQuery<DeliveryStatus[]>('getDeliveries');
