import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';

/** The YAML of the README's "Access policy (for the API)" example, so the tests check it as written. */
export function readmeAccessExample(): string {
  const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');
  const section = readme.split('### Access policy (for the API)')[1];
  const yaml = section?.match(/```yaml\n([\s\S]*?)```/)?.[1];
  if (!yaml) throw new Error('README.md has no yaml example under "Access policy (for the API)"');
  return yaml;
}

/** The README example's `access` section, parsed from YAML (not yet validated). */
export function readmeAccessSection(): unknown {
  return (parseYaml(readmeAccessExample()) as { access: unknown }).access;
}
