import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';

/** The README's "Callbacks (signed webhooks)" section, so the tests check its examples as written. */
function readmeCallbacks(): string {
  const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');
  const section = readme.split('### Callbacks (signed webhooks)')[1]?.split('\n### ')[0];
  if (!section) throw new Error('README.md has no "Callbacks (signed webhooks)" section');
  return section;
}

/** The README example's `webhooks` section, parsed from YAML (not yet validated). */
export function readmeCallbacksSection(): unknown {
  const yaml = readmeCallbacks().match(/```yaml\n([\s\S]*?)```/)?.[1];
  if (!yaml) throw new Error('README.md has no yaml example under "Callbacks (signed webhooks)"');
  return (parseYaml(yaml) as { webhooks: unknown }).webhooks;
}
