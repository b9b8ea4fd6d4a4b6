import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { prebuiltBundlePath, workflowBundleOptions, workflowInterceptorModules, workflowsPath } from './bundle.js';

/**
 * `npm run build`'s last step, run from dist/: bundles the compiled workflow code once per
 * interceptor choice (tracing off and on), next to it in dist/workflow-bundles/, so a built
 * worker loads a bundle instead of running webpack at every start.
 */
async function main(): Promise<void> {
  for (const tracing of [false, true]) {
    const started = Date.now();
    const { code } = await bundleWorkflowCode({ workflowsPath, ...workflowBundleOptions, workflowInterceptorModules: workflowInterceptorModules(tracing), logger: new DefaultLogger('WARN') });
    const file = prebuiltBundlePath(tracing);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, code);
    process.stderr.write(`[build] workflow bundle${tracing ? ' (tracing)' : ''}: ${file}, ${(code.length / 1024).toFixed(0)} KiB in ${((Date.now() - started) / 1000).toFixed(1)}s\n`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
