// Workflow bundle entry for the API tests until the real fleetChange workflow is merged: every
// workflow of workflows/index.ts, plus a minimal fleetChange that keeps the contract of
// src/domain/change/request.ts (the getChange query, the one-cluster gate and its approve and
// abort updates, the FleetChangeState attribute). It runs no operation.
import { ApplicationFailure, condition, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import { CHANGE_GATE, changeIdOf, type ChangeRequest, type ChangeState, type ChangeView } from '../../src/domain/change/request.js';
import { abortChange, approveChange, getChange } from '../../src/temporal/messages/change-queries.js';
import { SA } from '../../src/temporal/search-attributes.js';

export * from '../../workflows/index.js';

export async function fleetChange(req: ChangeRequest): Promise<ChangeView> {
  const now = () => new Date().toISOString();
  const view: ChangeView = {
    id: changeIdOf(req.ticket),
    type: req.type,
    ticket: req.ticket,
    requestedBy: `${req.requestedBy.kind}:${req.requestedBy.subject}`,
    requestedAt: now(),
    state: 'Accepted',
    operationWorkflowId: `${changeIdOf(req.ticket)}/operation`,
    audit: [],
  };
  const setState = (state: ChangeState) => {
    view.state = state;
    upsertSearchAttributes([{ key: SA.changeState, value: state }]);
  };
  setHandler(getChange, () => view);
  let decision: 'approve' | 'abort' | undefined;
  const refuse = (action: string) => {
    if (decision || !view.waitingAt) throw ApplicationFailure.nonRetryable(`${action} refused: the change waits at no gate`, 'OperatorActionRefused');
  };
  setHandler(approveChange, (a) => {
    view.audit.push({ at: now(), action: 'approve', by: a.by, ...(a.reason ? { reason: a.reason } : {}), detail: a.gate });
    decision = 'approve';
  }, { validator: (a) => {
    refuse('approve');
    if (a.gate !== CHANGE_GATE) throw ApplicationFailure.nonRetryable(`approve refused: no gate ${a.gate}`, 'OperatorActionRefused');
  } });
  setHandler(abortChange, (a) => {
    view.audit.push({ at: now(), action: 'abort', by: a.by, reason: a.reason });
    decision = 'abort';
  }, { validator: () => refuse('abort') } as never);
  if (req.approval) {
    view.waitingAt = { gate: CHANGE_GATE, since: now(), delegated: req.approval.delegated ?? false, reason: req.approval.reason };
    setState('WaitingForApproval');
    await condition(() => decision !== undefined);
    delete view.waitingAt;
  }
  setState(decision === 'abort' ? 'Aborted' : 'Succeeded');
  // Stays open so that queries are answered without replaying a closed history.
  await condition(() => false, '1h');
  return view;
}
