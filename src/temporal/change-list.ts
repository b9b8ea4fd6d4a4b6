import type { Client } from '@temporalio/client';
import { executionInfoFromRaw } from '@temporalio/client/lib/helpers.js';
import { CHANGE_STATES, type ChangeState, type Ticket } from '../domain/change/request.js';
import { CHANGE_ATTRIBUTES } from '../domain/change/attributes.js';
import type { ChangeType } from '../domain/auth/policy.js';
import { CHANGE_WORKFLOW_TYPE, FIRST_STATE, memoOf, type ChangeMemo } from './changes.js';
import { SA } from './search-attributes.js';

/** One change in a list: what visibility and the memo say, without asking the workflow. */
export interface ChangeSummary {
  id: string;
  type: ChangeType;
  ticket: Ticket;
  state: ChangeState;
  requestedBy: string;
  startedAt: string;
  closedAt?: string;
  memo: ChangeMemo | undefined;
}

/** Filters of listChanges; each narrows the visibility query. */
export interface ChangeFilter {
  state?: ChangeState;
  type?: ChangeType;
  /** "<system>/<id>" */
  ticket?: string;
  requestedBy?: string;
}

const quote = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** The visibility query of a filter. */
export function changeListQuery(f: ChangeFilter): string {
  const clauses = [`WorkflowType = ${quote(CHANGE_WORKFLOW_TYPE)}`];
  if (f.state) clauses.push(`${CHANGE_ATTRIBUTES.changeState} = ${quote(f.state)}`);
  if (f.type) clauses.push(`${CHANGE_ATTRIBUTES.changeType} = ${quote(f.type)}`);
  if (f.ticket) clauses.push(`${CHANGE_ATTRIBUTES.ticket} = ${quote(f.ticket)}`);
  if (f.requestedBy) clauses.push(`${CHANGE_ATTRIBUTES.requestedBy} = ${quote(f.requestedBy)}`);
  return clauses.join(' AND ');
}

/** One page of changes, newest first, and the token of the next page (absent on the last). */
export async function listChanges(
  client: Client,
  filter: ChangeFilter,
  page: { pageSize: number; pageToken?: Uint8Array },
): Promise<{ changes: ChangeSummary[]; nextPageToken?: Uint8Array }> {
  const res = await client.workflowService.listWorkflowExecutions({
    namespace: client.options.namespace,
    query: changeListQuery(filter),
    pageSize: page.pageSize,
    ...(page.pageToken ? { nextPageToken: page.pageToken } : {}),
  });
  const changes: ChangeSummary[] = [];
  for (const raw of res.executions ?? []) {
    const info = await executionInfoFromRaw(raw, client.options.loadedDataConverter, raw, client.options.namespace);
    const memo = memoOf(info.memo);
    const state = info.typedSearchAttributes.get(SA.changeState);
    const ticket = memo?.ticket ?? ticketOf(info.workflowId);
    changes.push({
      id: info.workflowId,
      type: info.typedSearchAttributes.get(SA.changeType) as ChangeType,
      ticket,
      state: (CHANGE_STATES as readonly string[]).includes(state ?? '') ? (state as ChangeState) : FIRST_STATE,
      requestedBy: info.typedSearchAttributes.get(SA.requestedBy) ?? memo?.requestedBy ?? '',
      startedAt: info.startTime.toISOString(),
      ...(info.closeTime ? { closedAt: info.closeTime.toISOString() } : {}),
      memo,
    });
  }
  const next = res.nextPageToken;
  return { changes, ...(next && next.length ? { nextPageToken: next } : {}) };
}

/** The ticket a change id names: `change/servicenow/CHG1` is servicenow / CHG1. */
export function ticketOf(workflowId: string): Ticket {
  const [, system = '', ...rest] = workflowId.split('/');
  return { system, id: rest.join('/') };
}
