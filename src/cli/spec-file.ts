import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { ProvisionInputSchema } from '../domain/operations.js';
import type { ClusterSpec } from '../domain/cluster-spec.js';
import { describeProblems, parseWith } from '../domain/validation.js';
import { UsageError } from './errors.js';

/**
 * Reads a cluster spec from a YAML or JSON file and validates it with the same schema the
 * workflows use, so the CLI refuses a bad file with the same messages a workflow would give.
 */
export async function readSpecFile(command: string, file: string | undefined): Promise<ClusterSpec> {
  if (!file) throw new UsageError(`${command}: -f FILE is required`);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new UsageError(`${command}: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (e) {
    throw new UsageError(`${file}: not valid YAML or JSON: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
  }
  const parsed = parseWith(ProvisionInputSchema, { spec: data }, '');
  if (!parsed.ok) throw new UsageError(`${file}: invalid cluster spec: ${describeProblems(parsed.problems)}`);
  return parsed.value.spec;
}
