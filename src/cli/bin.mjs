#!/usr/bin/env node
// The `fleetflow` command: moves itself onto the toolchain's pinned Node when an older one
// started it, then runs the TypeScript sources through tsx, so no build step is needed.
import { runOnPinnedNode } from '../host/pinned-node.mjs';

try {
  await runOnPinnedNode();
} catch (e) {
  process.stderr.write(`fleetflow: ${e instanceof Error ? e.message : e}\n`);
  process.exit(1);
}
const { register } = await import('tsx/esm/api');
register();
const { run } = await import('./main.ts');
process.exitCode = await run(process.argv.slice(2));
