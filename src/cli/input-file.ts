import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { describeProblems, parseWith } from '../domain/validation.js';
import { parseYamlText } from '../yaml-text.js';
import { UsageError } from './errors.js';

/** Reads a YAML or JSON file (`-f FILE`); a missing file or bad syntax is a one-line UsageError. */
export async function readDataFile(command: string, file: string | undefined): Promise<unknown> {
  if (!file) throw new UsageError(`${command}: -f FILE is required`);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new UsageError(`${command}: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  try {
    return parseYamlText(text);
  } catch (e) {
    throw new UsageError(`${file}: not valid YAML or JSON: ${(e as Error).message}`);
  }
}

/**
 * Reads a YAML or JSON file and validates it with `schema` (the one the workflow uses), so the
 * CLI refuses a bad file with every problem listed by path before anything starts. Returns the
 * raw data (what the workflow receives) and the parsed value.
 */
export async function readInputFile<S extends z.ZodType>(command: string, file: string | undefined, schema: S, what: string): Promise<{ raw: unknown; value: z.output<S> }> {
  const raw = await readDataFile(command, file);
  const parsed = parseWith(schema, raw, '');
  if (!parsed.ok) throw new UsageError(`${file}: invalid ${what}: ${describeProblems(parsed.problems)}`);
  return { raw, value: parsed.value };
}
