import { defineSignal } from '@temporalio/workflow';
import type { ChangeEvent } from '../../domain/change/request.js';

/**
 * One event of a change: sent by the staged operation a change runs to its fleetChange workflow
 * (a gate waits, a stage ended), and by the fleetChange workflow to the change's callbacks
 * workflow, which delivers it.
 */
export const changeEvent = defineSignal<[ChangeEvent]>('changeEvent');
