import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildIdFrom } from '../domain/versioning/build-id.js';
import { repoDir } from './toolchain.js';

/**
 * This checkout's build id: package.json's version and the git commit (`0.1.0+3f2a9c1d0b7e`).
 * Where there is no git (an image), FLEETFLOW_BUILD_ID must say it: the error says so.
 */
export function localBuildId(dir = repoDir): string {
  const version = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
  let commit: string | undefined;
  try {
    commit = execFileSync('git', ['-C', dir, 'rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    commit = undefined;
  }
  const id = buildIdFrom(version, commit);
  if (!id) throw new Error(`configuration: FLEETFLOW_BUILD_ID: required with FLEETFLOW_WORKER_VERSIONING=on where ${dir} is not a git checkout`);
  return id;
}
