import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { PlacementStatus } from '../../domain/placement/placed-bundle.js';

/** A placement in force: its clusters, the current decision with every cluster's reason, and the moves made. */
export const getPlacementStatus = defineQuery<PlacementStatus>('getPlacementStatus');

/**
 * Reads the fleet again now and makes the moves the decision asks for (a cluster added or out
 * of capacity need not wait for the next periodic look); returns the status once that round is done.
 */
export const reevaluatePlacement = defineUpdate<PlacementStatus, [{ by?: string; reason?: string }]>('reevaluate');
