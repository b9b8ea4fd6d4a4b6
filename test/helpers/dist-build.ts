import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoDir } from '../../src/host/toolchain.js';

/**
 * Runs `npm run build`'s script into a fresh folder under test-output/ (inside the clone, so
 * the compiled code resolves node_modules as dist/ does) and returns it: the test checks what
 * the build makes without touching the developer's dist/. The caller removes it.
 */
export async function buildDist(): Promise<{ out: string; ms: number }> {
  mkdirSync(join(repoDir, 'test-output'), { recursive: true });
  const out = mkdtempSync(join(repoDir, 'test-output', 'build-'));
  const started = Date.now();
  await promisify(execFile)('bash', [join(repoDir, 'temporal-dev', 'build'), out], { cwd: repoDir, maxBuffer: 16 * 1024 * 1024 });
  return { out, ms: Date.now() - started };
}
