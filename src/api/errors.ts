import { isGrpcServiceError, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { HTTPException } from 'hono/http-exception';
import { ApiProblem } from './problem.js';

/** gRPC status codes the API answers in its own words. */
const GRPC = { DEADLINE_EXCEEDED: 4, RESOURCE_EXHAUSTED: 8, UNAVAILABLE: 14 } as const;

/** The gRPC status code of an error or of one of its causes. */
function grpcCodeOf(err: unknown): number | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (isGrpcServiceError(e)) return e.code;
  }
  return undefined;
}

/**
 * Every error a request can end with, as a problem: the API's own, Hono's (bad JSON, wrong
 * content type, too large), a workflow's refusal of an update (409 with its message), Temporal
 * being away (503) or slow (504), and anything else (500, logged; its message is not shown).
 */
export function toProblem(err: unknown): { problem: ApiProblem; unexpected: boolean } {
  if (err instanceof ApiProblem) return { problem: err, unexpected: false };
  if (err instanceof HTTPException) return { problem: fromHttpException(err), unexpected: err.status >= 500 };
  if (err instanceof WorkflowUpdateFailedError) {
    const cause = err.cause;
    const message = cause?.message ?? err.message;
    if (cause instanceof ApplicationFailure && cause.type === 'InvalidInput') return { problem: new ApiProblem('InvalidInput', message), unexpected: false };
    return { problem: new ApiProblem('OperatorActionRefused', message), unexpected: false };
  }
  if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
    return { problem: new ApiProblem('RequestTimedOut', 'the workflow did not answer the update in time: no worker may be running; the action may still be applied'), unexpected: false };
  }
  switch (grpcCodeOf(err)) {
    case GRPC.UNAVAILABLE:
      return { problem: new ApiProblem('TemporalUnavailable', 'Temporal cannot be reached; nothing was changed by this request', { headers: { 'retry-after': '5' } }), unexpected: false };
    case GRPC.RESOURCE_EXHAUSTED:
      return { problem: new ApiProblem('TemporalUnavailable', 'Temporal is over its rate limits; try again shortly', { headers: { 'retry-after': '5' } }), unexpected: false };
    case GRPC.DEADLINE_EXCEEDED:
      return { problem: new ApiProblem('RequestTimedOut', 'Temporal did not answer in time (is a worker running?)'), unexpected: false };
  }
  return { problem: new ApiProblem('InternalError', 'the request failed unexpectedly; the server log has the cause'), unexpected: true };
}

function fromHttpException(e: HTTPException): ApiProblem {
  switch (e.status) {
    case 400:
      return /json/i.test(e.message)
        ? new ApiProblem('InvalidInput', 'the request body is not valid JSON', { errors: [{ path: '(body)', message: 'is not valid JSON' }] })
        : new ApiProblem('InvalidInput', e.message || 'bad request');
    case 413:
      return new ApiProblem('RequestTooLarge', 'the request body is too large');
    case 415:
      return new ApiProblem('UnsupportedContentType', 'the request body must be application/json');
    case 404:
      return new ApiProblem('RouteNotFound', 'no such resource');
    case 401:
      return new ApiProblem('Unauthenticated', e.message || 'authentication is required');
    default:
      return new ApiProblem('InternalError', 'the request failed unexpectedly; the server log has the cause');
  }
}
