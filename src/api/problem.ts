import type { Context } from 'hono';
import { FAILURE_TYPES, type FailureType } from '../domain/failure-types.js';
import type { z } from 'zod';
import { formatPath, issueMessage, type Problem } from '../domain/validation.js';

/**
 * Errors of the API as RFC 9457 problem details (`application/problem+json`). The `type` is a
 * URI per failure type of the failure table (src/domain/failure-types.ts), the HTTP status is
 * the table's, and `failureType` names the type for clients that match on it.
 */

/** Where the problem types live: `https://fleetflow.dev/problems/InvalidInput`. */
export const PROBLEM_BASE = 'https://fleetflow.dev/problems/';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** The type URI of a failure type. */
export const problemTypeOf = (t: FailureType): string => `${PROBLEM_BASE}${t}`;

/** The body of a problem response. */
export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  failureType: FailureType;
  /** Each bad field of a validation problem, by path ("input.spec.name"). */
  errors?: Problem[];
  [extension: string]: unknown;
}

/** The title of a failure type: its meaning in the table, capitalized (the same for every occurrence). */
export function titleOf(t: FailureType): string {
  const m = FAILURE_TYPES[t].meaning;
  return m.charAt(0).toUpperCase() + m.slice(1);
}

/** One error that becomes a problem response: thrown anywhere in a handler, answered by the app's onError. */
export class ApiProblem extends Error {
  readonly status: number;

  constructor(
    readonly failureType: FailureType,
    /** One sentence for the caller: what is wrong, with the names involved. */
    readonly detail: string,
    readonly extra: { errors?: Problem[]; headers?: Record<string, string>; status?: number; [k: string]: unknown } = {},
  ) {
    super(detail);
    this.name = failureType;
    this.status = extra.status ?? FAILURE_TYPES[failureType].httpStatus;
  }

  /** The body, with the request's path as the instance. */
  body(instance?: string): ProblemBody {
    const { headers: _h, status: _s, ...ext } = this.extra;
    return {
      type: problemTypeOf(this.failureType),
      title: titleOf(this.failureType),
      status: this.status,
      detail: this.detail,
      ...(instance ? { instance } : {}),
      failureType: this.failureType,
      ...ext,
    };
  }
}

/** The problem response for `p` to the request of `c`. */
export function problemResponse(c: Context, p: ApiProblem): Response {
  const headers = new Headers({ 'content-type': PROBLEM_CONTENT_TYPE, 'cache-control': 'no-store', ...(p.extra.headers ?? {}) });
  return new Response(JSON.stringify(p.body(new URL(c.req.url).pathname)), { status: p.status, headers });
}

/** A 400 listing every bad field: "invalid request: input.spec.name: must be ...; ticket.id: ...". */
export function invalidInput(problems: readonly Problem[], what = 'request'): ApiProblem {
  const detail = `invalid ${what}: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`;
  return new ApiProblem('InvalidInput', detail, { errors: [...problems] });
}

/**
 * The problems of a zod error as the API names them: like problemsFrom, except that an object's
 * unknown keys are each named by their own path ("input.wipe"), not by the object's.
 */
export function requestProblems(error: z.ZodError): Problem[] {
  return error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((k) => ({ path: formatPath('', [...issue.path, k]), message: 'is not a field here' }))
      : [{ path: formatPath('', issue.path), message: issueMessage(issue) }],
  );
}
