import type { z } from 'zod';

/** One problem with an input, located by its path ("spec.labels.team"). */
export interface Problem {
  path: string;
  message: string;
}

/** Renders a zod issue path the way users write it: spec.nodePools[0].name. */
export function formatPath(root: string, path: readonly PropertyKey[]): string {
  let out = root;
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_][\w]*$/.test(key)) out += out ? `.${key}` : key;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out || '(input)';
}

export function problemsFrom(error: z.ZodError, root: string): Problem[] {
  return error.issues.map((issue) => ({ path: formatPath(root, issue.path), message: issueMessage(issue) }));
}

/**
 * An issue's words. A refused record key is reported by zod as "Invalid key in record", with
 * the key schema's own reason ("must be a label key: ...") inside: that reason is the message.
 */
export function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_key' && issue.issues[0]) return issue.issues[0].message;
  return issue.message;
}

/** "spec.name: must be ...; spec.provider: ..." on one line, every problem listed. */
export function describeProblems(problems: readonly Problem[]): string {
  return problems.map((p) => `${p.path}: ${p.message}`).join('; ');
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; problems: Problem[] };

/** Parses without throwing, so workflows, the API and the CLI can word the failure themselves. */
export function parseWith<S extends z.ZodType>(schema: S, input: unknown, root: string): Parsed<z.output<S>> {
  const result = schema.safeParse(input);
  return result.success
    ? { ok: true, value: result.data }
    : { ok: false, problems: problemsFrom(result.error, root) };
}

/** An input checked against its schema: the value, or the one-line refusal and the problems. */
export type Checked<T> = { ok: true; value: T } | { ok: false; message: string; problems: Problem[] };

/**
 * Checks an input the way every workflow and activity refuses one: "invalid <what>: <every
 * problem by path>". Each side throws its own failure class with this message.
 */
export function checkInput<S extends z.ZodType>(schema: S, input: unknown, what: string, root = ''): Checked<z.output<S>> {
  const parsed = parseWith(schema, input, root);
  return parsed.ok ? parsed : { ok: false, message: `invalid ${what}: ${describeProblems(parsed.problems)}`, problems: parsed.problems };
}
