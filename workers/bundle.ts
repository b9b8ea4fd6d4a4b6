import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WorkerOptions } from '@temporalio/worker';

/**
 * This module's own extension: `.ts` when run from the sources (tsx, vitest), `.js` once
 * compiled into dist/, so the paths below name the files that exist beside it.
 */
const EXT = extname(fileURLToPath(import.meta.url));

/** Entry of the workflow code (bundled with webpack at worker start, or at build time). */
export const workflowsPath = fileURLToPath(new URL(`../workflows/index${EXT}`, import.meta.url));

/**
 * Preloaded once per workflow thread and shared by all runs on it (workflows/shared-modules.ts
 * says why and how): every bundle of Fleetflow's workflows is built with these options.
 */
export const workflowBundleOptions = { preloadModules: [fileURLToPath(new URL(`../workflows/shared-modules${EXT}`, import.meta.url))] };

/** Counts operations as they start and end (bundled into the workflow code). */
const OPERATION_COUNTER = fileURLToPath(new URL(`../workflows/telemetry-interceptors${EXT}`, import.meta.url));
/** The SDK's workflow interceptors that continue the caller's trace in workflow code. */
const OTEL_WORKFLOW_INTERCEPTORS = createRequire(import.meta.url).resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors');

/**
 * The workflow interceptor modules of a worker: the operation counter always and, when tracing
 * runs, the SDK's OpenTelemetry interceptors first (outermost, so Fleetflow's sees their span).
 * Workflow interceptors live inside the bundle, so the build makes one bundle per choice.
 */
export function workflowInterceptorModules(tracing: boolean): string[] {
  return tracing ? [OTEL_WORKFLOW_INTERCEPTORS, OPERATION_COUNTER] : [OPERATION_COUNTER];
}

/** Where `npm run build` writes the prebuilt bundles, relative to dist/workers/. */
export function prebuiltBundlePath(tracing: boolean, dir = fileURLToPath(new URL('../workflow-bundles/', import.meta.url))): string {
  return `${dir}${tracing ? 'workflows-otel.js' : 'workflows.js'}`;
}

/**
 * The workflow code a worker runs: the bundle `npm run build` wrote (a built worker starts
 * without webpack), else the sources bundled at start with the interceptor modules (tsx, tests).
 * The payload codecs are not part of it: they run outside the sandbox, on the worker's data
 * converter.
 */
export function workflowCode(tracing: boolean, bundle = prebuiltBundlePath(tracing)): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath' | 'bundlerOptions'> & { workflowModules: string[] } {
  if (existsSync(bundle)) return { workflowBundle: { codePath: bundle }, workflowModules: [] };
  return { workflowsPath, bundlerOptions: workflowBundleOptions, workflowModules: workflowInterceptorModules(tracing) };
}
