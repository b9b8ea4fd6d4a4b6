// Exits 0 when node_modules holds what package-lock.json asks for, 1 (naming the first
// difference) when `npm ci` is needed. It compares contents, not modification times: a fresh
// clone or `git worktree add` gives package-lock.json a new mtime, and a node_modules shared by
// several checkouts (a symlink) must not be wiped and reinstalled because of that.
import { readFileSync } from 'node:fs';

const read = (file) => {
  try {
    return JSON.parse(readFileSync(file, 'utf8')).packages ?? {};
  } catch {
    return undefined;
  }
};
const wanted = read('package-lock.json');
const installed = read('node_modules/.package-lock.json');
if (!wanted || !installed) {
  console.log('node_modules/.package-lock.json is missing');
  process.exit(1);
}
for (const [path, pkg] of Object.entries(wanted)) {
  if (!path.startsWith('node_modules/')) continue;
  const have = installed[path];
  // Optional packages for other platforms (esbuild's, fsevents) are never installed here.
  if (!have && pkg.optional) continue;
  if (have?.version !== pkg.version) {
    console.log(`${path}: ${have ? have.version : 'missing'}, package-lock.json has ${pkg.version}`);
    process.exit(1);
  }
}
