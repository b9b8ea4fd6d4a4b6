import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';

/** Every string and decoded payload of a history, as one text to search for secrets. */
export function historyText(history: unknown): string {
  const parts: string[] = [];
  const walk = (v: unknown) => {
    if (v instanceof Uint8Array) parts.push(Buffer.from(v).toString('utf8'));
    else if (typeof v === 'string') parts.push(v);
    else if (v && typeof v === 'object') for (const x of Object.values(v)) walk(x);
  };
  walk(history);
  return parts.join('\n');
}

/** A long, unique line from the middle of a PEM block. */
export const pemBody = (pem: string) => pem.split('\n').filter((l) => l && !l.startsWith('-----'))[1] ?? pem;

/** The innermost ApplicationFailure of a workflow failure: where the error was classified. */
export function failureOf(e: unknown): ApplicationFailure | undefined {
  let err: unknown = e instanceof WorkflowFailedError ? e.cause : e;
  let found: ApplicationFailure | undefined;
  while (err) {
    if (err instanceof ApplicationFailure) found = err;
    err = (err as { cause?: unknown }).cause;
  }
  return found;
}
