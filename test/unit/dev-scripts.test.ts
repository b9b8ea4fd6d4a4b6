import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { repoDir } from '../../src/host/toolchain.js';

const dev = join(repoDir, 'temporal-dev');

describe('npm run demo refuses a bad --engine before it installs or starts anything', () => {
  // Each case exits at argument parsing: no npm ci, no server.
  it.each([
    [['--engine', 'postgres'], '--engine: postgres is not dev or cluster'],
    [['--engine=sqlite'], '--engine: sqlite is not dev or cluster'],
    [['--engine'], '--engine:  is not dev or cluster'],
    [['--cluster'], 'usage: npm run demo [-- --engine dev|cluster]'],
  ])('%j', (args, message) => {
    const r = spawnSync('bash', [join(dev, 'demo'), ...args], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe(message);
  });
});

describe('temporal-dev/node-deps-current.mjs (whether ensure-node-deps runs npm ci)', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const lock = (packages: Record<string, object>) => JSON.stringify({ lockfileVersion: 3, packages });
  const check = (wanted: Record<string, object>, installed?: Record<string, object>) => {
    dir = mkdtempSync(join(tmpdir(), 'node-deps-'));
    mkdirSync(join(dir, 'node_modules'));
    if (installed) writeFileSync(join(dir, 'node_modules', '.package-lock.json'), lock(installed));
    writeFileSync(join(dir, 'package-lock.json'), lock({ '': { name: 'x' }, ...wanted }));
    // A fresh worktree: the lock file is newer than node_modules, which alone must not matter.
    utimesSync(join(dir, 'package-lock.json'), new Date(), new Date(Date.now() + 60_000));
    const r = spawnSync(process.execPath, [join(dev, 'node-deps-current.mjs')], { cwd: dir, encoding: 'utf8' });
    return { status: r.status, out: r.stdout.trim() };
  };

  it('is current when every version matches, however new package-lock.json is, and other platforms\' optional packages are absent', () => {
    expect(check({ 'node_modules/a': { version: '1.0.0' }, 'node_modules/@esbuild/darwin-arm64': { version: '0.1.0', optional: true } }, { 'node_modules/a': { version: '1.0.0' } })).toEqual({ status: 0, out: '' });
  });

  it('needs npm ci when a version differs, naming the package', () => {
    expect(check({ 'node_modules/a': { version: '1.1.0' } }, { 'node_modules/a': { version: '1.0.0' } })).toEqual({ status: 1, out: 'node_modules/a: 1.0.0, package-lock.json has 1.1.0' });
  });

  it('needs npm ci when a package is missing, or nothing was ever installed', () => {
    expect(check({ 'node_modules/a': { version: '1.0.0' } }, {})).toEqual({ status: 1, out: 'node_modules/a: missing, package-lock.json has 1.0.0' });
    expect(check({ 'node_modules/a': { version: '1.0.0' } })).toEqual({ status: 1, out: 'node_modules/.package-lock.json is missing' });
  });
});
