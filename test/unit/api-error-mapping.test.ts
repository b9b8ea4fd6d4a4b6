import { ServiceError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { HTTPException } from 'hono/http-exception';
import { describe, expect, it } from 'vitest';
import { toProblem } from '../../src/api/errors.js';
import { ApiProblem, problemTypeOf, requestProblems } from '../../src/api/problem.js';
import { z } from 'zod';

/** An error shaped like @grpc/grpc-js's, with a status code. */
function grpcError(code: number): Error {
  return Object.assign(new Error(`${code} grpc`), { code, details: 'grpc', metadata: {} });
}

const mapped = (err: unknown) => {
  const { problem, unexpected } = toProblem(err);
  return { type: problem.failureType, status: problem.status, detail: problem.detail, unexpected };
};

describe('every error a request can end with becomes a problem', () => {
  it("keeps the API's own problems as they are", () => {
    expect(mapped(new ApiProblem('ChangeConflict', 'x'))).toEqual({ type: 'ChangeConflict', status: 409, detail: 'x', unexpected: false });
  });

  it("answers a workflow's refusal of an update with 409 and its message, a schema refusal with 400", () => {
    const refused = new WorkflowUpdateFailedError('update failed', ApplicationFailure.nonRetryable('approve refused: gate prod:before is not waiting', 'OperatorActionRefused'));
    expect(mapped(refused)).toEqual({ type: 'OperatorActionRefused', status: 409, detail: 'approve refused: gate prod:before is not waiting', unexpected: false });
    const invalid = new WorkflowUpdateFailedError('update failed', ApplicationFailure.nonRetryable('invalid skip request: cluster: must not be empty', 'InvalidInput'));
    expect(mapped(invalid)).toMatchObject({ type: 'InvalidInput', status: 400 });
  });

  it("turns Hono's own errors into the matching problems", () => {
    expect(mapped(new HTTPException(400, { message: 'Malformed JSON in request body' }))).toMatchObject({ type: 'InvalidInput', status: 400, detail: 'the request body is not valid JSON' });
    expect(mapped(new HTTPException(415))).toMatchObject({ type: 'UnsupportedContentType', status: 415 });
    expect(mapped(new HTTPException(413))).toMatchObject({ type: 'RequestTooLarge', status: 413 });
  });

  it('answers Temporal away with 503, over its limits with 503, slow with 504, through a ServiceError too', () => {
    expect(mapped(grpcError(14))).toMatchObject({ type: 'TemporalUnavailable', status: 503, unexpected: false });
    expect(mapped(new ServiceError('Failed to describe workflow', { cause: grpcError(14) }))).toMatchObject({ type: 'TemporalUnavailable', status: 503 });
    expect(mapped(grpcError(8))).toMatchObject({ type: 'TemporalUnavailable', status: 503 });
    expect(mapped(grpcError(4))).toMatchObject({ type: 'RequestTimedOut', status: 504 });
  });

  it('answers anything else with 500 and no detail of the cause (it is logged instead)', () => {
    expect(mapped(new TypeError('x is undefined'))).toEqual({ type: 'InternalError', status: 500, detail: 'the request failed unexpectedly; the server log has the cause', unexpected: true });
  });
});

describe('a problem body', () => {
  it('has the RFC 9457 members, the failure type and its URI', () => {
    const p = new ApiProblem('RateLimited', 'slow down', { headers: { 'retry-after': '3' }, retryAfter: 3 });
    expect(p.body('/v1/changes')).toEqual({
      type: problemTypeOf('RateLimited'),
      title: 'The caller sent more requests than its rate allows; wait for Retry-After',
      status: 429,
      detail: 'slow down',
      instance: '/v1/changes',
      failureType: 'RateLimited',
      retryAfter: 3,
    });
  });

  it('names each unknown key of a body by its own path', () => {
    const r = z.object({ input: z.object({ name: z.string() }).strict() }).strict().safeParse({ input: { name: 'a', wipe: true, force: 1 }, by: 'x' });
    expect(requestProblems(r.error!)).toEqual([
      { path: 'input.wipe', message: 'is not a field here' },
      { path: 'input.force', message: 'is not a field here' },
      { path: 'by', message: 'is not a field here' },
    ]);
  });
});
