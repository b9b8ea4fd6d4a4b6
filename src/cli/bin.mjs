#!/usr/bin/env node
// The `fleetflow` command. From the sources: moves itself onto the toolchain's pinned Node when
// an older one started it, then runs the TypeScript through tsx, so no build step is needed.
// Copied into dist/ by `npm run build`: main.js sits beside it and runs as is (the image's Node
// is the pinned major, and dist/ has no toolchain to re-exec into).
import { existsSync } from 'node:fs';
import { runOnPinnedNode } from '../host/pinned-node.mjs';

const built = new URL('./main.js', import.meta.url);
let run;
if (existsSync(built)) {
  ({ run } = await import(built.href));
} else {
  try {
    await runOnPinnedNode();
  } catch (e) {
    process.stderr.write(`fleetflow: ${e instanceof Error ? e.message : e}\n`);
    process.exit(1);
  }
  const { register } = await import('tsx/esm/api');
  register();
  ({ run } = await import('./main.ts'));
}
process.exitCode = await run(process.argv.slice(2));
