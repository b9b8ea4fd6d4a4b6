import { ProvisionInputSchema } from '../domain/cluster/operation-inputs.js';
import type { ClusterSpec } from '../domain/cluster/spec.js';
import { describeProblems, parseWith } from '../domain/validation.js';
import { UsageError } from './errors.js';
import { readDataFile } from './input-file.js';

/**
 * Reads a cluster spec from a YAML or JSON file and validates it with the same schema the
 * workflows use, so the CLI refuses a bad file with the same messages a workflow would give.
 */
export async function readSpecFile(command: string, file: string | undefined): Promise<ClusterSpec> {
  const data = await readDataFile(command, file);
  const parsed = parseWith(ProvisionInputSchema, { spec: data }, '');
  if (!parsed.ok) throw new UsageError(`${file}: invalid cluster spec: ${describeProblems(parsed.problems)}`);
  return parsed.value.spec;
}
