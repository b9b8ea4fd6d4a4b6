import { defineSignal } from '@temporalio/workflow';

/**
 * Asks a cluster entity to run its health and drift check (with auto-reconcile) now instead of
 * at the next interval; ignored while an operation holds the cluster (the check follows it).
 * A fleet policy sends it when an enforced policy drifted, so the repair does not wait.
 */
export const checkClusterNow = defineSignal<[]>('checkClusterNow');
