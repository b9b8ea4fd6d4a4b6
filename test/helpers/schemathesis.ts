import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoDir, toolsDir } from '../../src/host/toolchain.js';

/** The schemathesis CLI (`st`) that temporal-dev/install put into the tools cache's venv. */
export function schemathesisBin(): string {
  const version = /^SCHEMATHESIS_VERSION="?([^"\s#]+)/m.exec(readFileSync(join(repoDir, 'temporal-dev', 'versions.env'), 'utf8'))?.[1];
  const bin = version ? join(toolsDir(), 'schemathesis', version, 'bin', 'st') : '';
  if (!bin || !existsSync(bin)) throw new Error('schemathesis not found: run temporal-dev/install (it installs schemathesis into the tools cache)');
  return bin;
}
