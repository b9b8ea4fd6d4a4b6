import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CommandError, UsageError } from './errors.js';

/**
 * The CLI's side of the change-management API: requests with the caller's bearer token, and
 * problem+json answers turned into errors that carry their failure type (so the exit code is
 * the failure table's) and every bad field. Through the API the access policy decides, and the
 * audit trail names the token's principal, never a typed name.
 */

/** Where the API is and who calls it. */
export interface ApiTarget {
  url: string;
  token: string;
}

/** An answer of the API that is not a success. */
export class ApiProblem extends CommandError {
  override name = 'ApiProblem';
  constructor(
    message: string,
    readonly status: number,
    /** The failure type (`ChangeConflict`, `NotPermitted`...): exitCodeOf reads it. */
    readonly type: string,
  ) {
    super(message);
  }
}

/**
 * The API and the token: FLEETFLOW_API_URL (default http://127.0.0.1:8080) and FLEETFLOW_API_TOKEN,
 * else the file FLEETFLOW_API_TOKEN_FILE, else the local admin token `dev up` made in the data folder.
 */
export function apiTarget(env: NodeJS.ProcessEnv, dataDir: string): ApiTarget {
  const url = (env.FLEETFLOW_API_URL ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]+$/.test(url)) throw new UsageError(`FLEETFLOW_API_URL: must be http(s)://host[:port], not ${url}`);
  if (env.FLEETFLOW_API_TOKEN) return { url, token: env.FLEETFLOW_API_TOKEN.trim() };
  const file = env.FLEETFLOW_API_TOKEN_FILE ?? join(dataDir, 'api', 'dev-admin.token');
  try {
    return { url, token: readFileSync(file, 'utf8').trim() };
  } catch {
    throw new UsageError(`no API token: set FLEETFLOW_API_TOKEN (or FLEETFLOW_API_TOKEN_FILE); ${file} does not exist`);
  }
}

type Problem = { detail?: string; failureType?: string; errors?: { path: string; message: string }[] };

/** One request; the parsed JSON body of a 2xx, else an ApiProblem saying what the API said. */
export async function callApi<T>(target: ApiTarget, method: 'GET' | 'POST', path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: T }> {
  let res: Response;
  try {
    res = await fetch(`${target.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${target.token}`, accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(60_000),
    });
  } catch (e) {
    throw new CommandError(`cannot reach the API at ${target.url}: ${e instanceof Error ? e.message : String(e)} (start it with \`npx fleetflow dev up\` or set FLEETFLOW_API_URL)`);
  }
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (res.ok) return { status: res.status, body: parsed as T };
  throw problemOf(res.status, res.statusText, parsed, text);
}

/**
 * "403 NotPermitted: <detail>": the failure type names the problem (the title is only its long
 * meaning), the detail says what is wrong. A validation detail already names every field by
 * path; fields it does not name are added after it.
 */
export function problemOf(status: number, statusText: string, parsed: unknown, text: string): ApiProblem {
  const p = (parsed && typeof parsed === 'object' ? parsed : {}) as Problem;
  const detail = p.detail ?? text.trim().slice(0, 300);
  const unnamed = (p.errors ?? []).filter((e) => !detail.includes(e.path));
  const fields = unnamed.length ? ` (${unnamed.map((e) => `${e.path}: ${e.message}`).join('; ')})` : '';
  return new ApiProblem(`${status} ${p.failureType ?? statusText}${detail ? `: ${detail}` : ''}${fields}`, status, p.failureType ?? (status < 500 ? 'InvalidInput' : 'OperationFailed'));
}
