import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { DeletePlacementInput, PlacementStatus, UpdatePlacementInput } from '../../domain/placement/placed-bundle.js';

/** A placement in force: its clusters, the current decision with every cluster's reason, and the moves made. */
export const getPlacementStatus = defineQuery<PlacementStatus>('getPlacementStatus');

/**
 * Reads the fleet again now and makes the moves the decision asks for (a cluster added or out
 * of capacity need not wait for the next periodic look); returns the status once that round is done.
 */
export const reevaluatePlacement = defineUpdate<PlacementStatus, [{ by?: string; reason?: string }]>('reevaluate');

/**
 * Changes the placed bundle's revision in place (same bundle name): accepted at once; the
 * workflow continues as new with the new bundle and rolls it to the chosen clusters that have
 * the old one, `maxConcurrentMoves` at a time, each through a child applyBundleToCluster.
 */
export const updatePlacedBundle = defineUpdate<{ from: string; to: string }, [UpdatePlacementInput]>('updateBundle');

/** Removes the bundle from every cluster it was placed on, then ends the workflow. */
export const deletePlacement = defineUpdate<{ accepted: true; clusters: string[] }, [DeletePlacementInput]>('deletePlacement');
