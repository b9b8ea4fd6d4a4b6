import type { z } from '@hono/zod-openapi';
import { PROBLEM_CONTENT_TYPE } from '../problem.js';
import { ProblemSchema } from '../schemas.js';

/** What each error status means on this API, for the OpenAPI document. */
const MEANING: Record<number, string> = {
  400: 'Invalid request: `errors` lists every bad field by path (e.g. `input.spec.name`), or the body is not JSON.',
  401: 'No valid bearer token; the WWW-Authenticate header says which scheme.',
  403: 'The access policy denies it; `detail` says which permission is missing (or that four eyes needs a second person).',
  404: 'No such change, cluster, placement or fleet policy.',
  409: 'Conflict: the ticket has a change with another input (`detail` names the fields), or the workflow refused the action now.',
  413: 'The body is larger than the limit.',
  415: 'The body is not application/json.',
  431: 'The request line and headers (the URL with its query included) are over 16 KiB.',
  422: 'The request is well formed but refused: e.g. its selector matches no cluster.',
  429: 'Too many requests from this principal; wait for Retry-After seconds.',
  500: 'An unexpected failure; the server log has the cause.',
  503: 'Temporal cannot be reached; try again (Retry-After).',
  504: 'Temporal or the workflow did not answer in time.',
};

/** Problem responses of a route: the statuses every /v1 route can answer, plus `extra`. */
export function problems(...extra: number[]) {
  const statuses = [...new Set([400, 401, 403, 413, 415, 429, 431, 500, 503, 504, ...extra])].sort();
  return Object.fromEntries(
    statuses.map((s) => [s, { description: MEANING[s] ?? 'Error.', content: { [PROBLEM_CONTENT_TYPE]: { schema: ProblemSchema } } }]),
  ) as Record<number, { description: string; content: Record<string, { schema: typeof ProblemSchema }> }>;
}

/** A JSON response of `schema`. */
export function json<S extends z.ZodType>(description: string, schema: S, headers?: Record<string, { description: string; schema: { type: 'string' } }>) {
  return { description, content: { 'application/json': { schema } }, ...(headers ? { headers } : {}) };
}

export const BEARER = [{ bearer: [] as string[] }];
