import type { Client } from '@temporalio/client';
import type { AccessRequest, Decision, Principal, Scope } from '../domain/auth/authorize.js';
import { authorize } from '../domain/auth/authorize.js';
import type { AccessPolicy } from '../domain/auth/policy.js';
import type { WebhooksConfig } from '../domain/change/webhooks-config.js';
import type { ScopeRecord } from '../domain/change/scope.js';
import { scopeFromRecord } from './change-scope.js';
import { workflowUiLink } from '../temporal/ui-link.js';
import { ApiProblem } from './problem.js';
import type { ChangeReads } from './change-reads.js';

/** What the routes share: Temporal, the policy, and where things are. */
export interface ApiDeps {
  client: Client;
  namespace: string;
  taskQueue: string;
  access: AccessPolicy;
  /** The config's webhooks section: which callbackUrl hosts are allowed, secrets by name, subscribers. */
  webhooks: WebhooksConfig;
  /** The Temporal UI, e.g. http://127.0.0.1:8233, for links to each change's workflow. */
  uiBaseUrl: string;
  now: () => number;
  /** How long a repeated POST waits for the change's own answer (see ApiLimits). */
  repeatAnswerMs: number;
  /** Change reads shared for a moment by the requests that poll them. */
  reads: ChangeReads;
}

/** The Temporal UI page of a workflow run. */
export function temporalUiLink(deps: Pick<ApiDeps, 'uiBaseUrl' | 'namespace'>, workflowId: string, runId: string): string {
  return workflowUiLink(deps.uiBaseUrl, deps.namespace, workflowId, runId);
}

/** Throws the 403 of a denied decision. */
export function enforce(decision: Decision): void {
  if (decision.allow) return;
  throw new ApiProblem('NotPermitted', decision.reason, { ...(decision.fourEyes ? { fourEyes: true } : {}), ...(decision.missing ? { missing: decision.missing } : {}) });
}

/**
 * Decides a request on a change (or a cluster) from the scope the change was opened on: by its
 * environments first, and only when that is not enough by its clusters' current summaries too
 * (a permission narrowed to a fleet selector needs them; reading them costs a query each).
 */
export async function decideOnRecord(
  deps: Pick<ApiDeps, 'client' | 'access'>,
  principal: Principal,
  record: ScopeRecord | undefined,
  make: (scope: Scope) => AccessRequest,
): Promise<Decision> {
  const first = authorize(deps.access, principal, make(await scopeFromRecord(deps.client, record, false)));
  if (first.allow || first.fourEyes || !first.missing || !record?.clusters.length) return first;
  return authorize(deps.access, principal, make(await scopeFromRecord(deps.client, record, true)));
}
