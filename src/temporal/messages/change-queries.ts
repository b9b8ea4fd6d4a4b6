import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { ChangeView } from '../../domain/change/request.js';
import type { AbortInput, ApproveInput } from '../../domain/staged/operator.js';

/** A change as the fleetChange workflow knows it: state, gate, audit, outcome. */
export const getChange = defineQuery<ChangeView>('getChange');
/** Approves a one-cluster change's gate ("change:before"); staged changes are approved on their operation. */
export const approveChange = defineUpdate<void, [ApproveInput]>('approve');
/** Abandons a one-cluster change while it waits at its gate, before anything has run. */
export const abortChange = defineUpdate<void, [AbortInput]>('abort');
