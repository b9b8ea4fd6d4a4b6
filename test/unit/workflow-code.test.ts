import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { prebuiltBundlePath, workflowBundleOptions, workflowCode, workflowInterceptorModules, workflowsPath } from '../../workers/bundle.js';

const dir = `${mkdtempSync(join(tmpdir(), 'fleetflow-bundles-'))}/`;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the workflow code a worker runs', () => {
  it('from the sources: bundles workflows/index.ts with the counter, and the OpenTelemetry interceptors first when tracing', () => {
    expect(workflowCode(false, prebuiltBundlePath(false, dir))).toEqual({ workflowsPath, bundlerOptions: workflowBundleOptions, workflowModules: workflowInterceptorModules(false) });
    expect(workflowBundleOptions.preloadModules).toEqual([expect.stringMatching(/workflows\/shared-modules\.ts$/)]);
    expect(workflowsPath.endsWith('workflows/index.ts')).toBe(true);
    const [otel, counter] = workflowInterceptorModules(true);
    expect(otel).toMatch(/interceptors-opentelemetry\/lib\/workflow-interceptors\.js$/);
    expect(counter).toMatch(/workflows\/telemetry-interceptors\.ts$/);
    expect(workflowInterceptorModules(false)).toEqual([counter]);
  });

  it('built: the prebuilt bundle of the same tracing choice, with no modules left to add', () => {
    writeFileSync(prebuiltBundlePath(false, dir), '');
    writeFileSync(prebuiltBundlePath(true, dir), '');
    expect(workflowCode(false, prebuiltBundlePath(false, dir))).toEqual({ workflowBundle: { codePath: `${dir}workflows.js` }, workflowModules: [] });
    expect(workflowCode(true, prebuiltBundlePath(true, dir))).toEqual({ workflowBundle: { codePath: `${dir}workflows-otel.js` }, workflowModules: [] });
  });
});
