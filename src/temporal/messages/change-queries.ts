import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { ChangeView } from '../../domain/change/request.js';
import type { AbortInput, ApproveInput } from '../../domain/staged/operator.js';

// Messages of the fleetChange workflow that the API sends. The signals and queries of the
// callbacks workflow live beside them in change.ts.

/** The change as the API reports it: type, state, who asked, the gate it waits at, the audit. */
export const getChange = defineQuery<ChangeView>('getChange');

/** Approves a one-cluster change's gate: {"gate": "change:before", "by": "oidc:bob", "reason": "CHG-42 approved"}. */
export const approveChange = defineUpdate<void, [ApproveInput]>('approve');

/** Aborts a one-cluster change while it waits at its gate: {"by": "oidc:bob", "reason": "..."}. */
export const abortChange = defineUpdate<void, [AbortInput]>('abort');
