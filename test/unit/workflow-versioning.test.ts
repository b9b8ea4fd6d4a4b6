import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { repoDir } from '../../src/host/toolchain.js';
import { buildIdFrom, buildIdProblem } from '../../src/domain/versioning/build-id.js';
import { versioningOptions, WORKFLOW_VERSIONING } from '../../src/domain/versioning/workflow-versioning.js';

describe('versioning behavior per workflow type', () => {
  it('has a row for every workflow type the bundle exports, and no other', () => {
    const index = readFileSync(join(repoDir, 'workflows', 'index.ts'), 'utf8');
    const exported = [...index.matchAll(/^export \{([^}]*)\}/gm)].flatMap((m) => m[1]!.split(',').map((s) => s.trim()).filter(Boolean));
    expect(exported.sort()).toEqual(Object.keys(WORKFLOW_VERSIONING).sort());
  });

  it('moves the forever-running entities to a new build and pins operations', () => {
    const by = (b: string) => Object.entries(WORKFLOW_VERSIONING).filter(([, v]) => v.behavior === b).map(([k]) => k).sort();
    expect(by('AUTO_UPGRADE')).toEqual(['clusterEntity', 'fleetPolicy', 'placedBundle']);
    expect(by('PINNED')).toEqual(['applyBundleToCluster', 'changeCallbacks', 'decommissionCluster', 'fleetChange', 'fleetDecommission', 'fleetRollout', 'provisionCluster', 'rollbackBundle', 'upgradeCluster', 'upgradeWave']);
  });

  it('declares a behavior only on a worker with a deployment version', () => {
    // A worker without deployment options reports an empty deployment name: the server refuses any behavior then.
    expect(versioningOptions('clusterEntity', '')).toEqual({});
    expect(versioningOptions('clusterEntity', undefined)).toEqual({});
    expect(versioningOptions('clusterEntity', 'fleetflow')).toEqual({ versioningBehavior: 'AUTO_UPGRADE' });
    expect(versioningOptions('upgradeWave', 'fleetflow')).toEqual({ versioningBehavior: 'PINNED' });
  });
});

describe('build ids', () => {
  it('joins the package version and the first 12 hex digits of the commit', () => {
    expect(buildIdFrom('0.1.0', '3f2a9c1d0b7e55aa00ff\n')).toBe('0.1.0+3f2a9c1d0b7e');
    // No commit (not a git checkout), or output that is not one: no build id, the caller asks for FLEETFLOW_BUILD_ID.
    expect(buildIdFrom('0.1.0', undefined)).toBeUndefined();
    expect(buildIdFrom('0.1.0', 'fatal: not a git repository')).toBeUndefined();
  });

  it('refuses build ids that would not read well in commands', () => {
    expect(buildIdProblem('0.1.0+3f2a9c1d0b7e')).toBeUndefined();
    expect(buildIdProblem('')).toBe('must not be empty');
    expect(buildIdProblem('a b')).toBe('may contain only letters, digits and . _ + -');
    expect(buildIdProblem('x'.repeat(256))).toBe('must be at most 255 characters');
  });
});

describe('versioning configuration', () => {
  it('is off unless FLEETFLOW_WORKER_VERSIONING=on', () => {
    expect(loadConfig({}).versioning).toBeUndefined();
    expect(loadConfig({ FLEETFLOW_WORKER_VERSIONING: 'on' }).versioning).toEqual({ deploymentName: 'fleetflow' });
    expect(loadConfig({ FLEETFLOW_WORKER_VERSIONING: 'on', FLEETFLOW_BUILD_ID: 'b-2', FLEETFLOW_DEPLOYMENT_NAME: 'ff-prod' }).versioning).toEqual({ deploymentName: 'ff-prod', buildId: 'b-2' });
  });

  it('names the variable and the reason for a bad value', () => {
    expect(() => loadConfig({ FLEETFLOW_WORKER_VERSIONING: 'yes' })).toThrow(/FLEETFLOW_WORKER_VERSIONING/);
    expect(() => loadConfig({ FLEETFLOW_BUILD_ID: 'a b' })).toThrow(/FLEETFLOW_BUILD_ID: may contain only letters, digits and \. _ \+ -/);
    expect(() => loadConfig({ FLEETFLOW_DEPLOYMENT_NAME: 'a.b' })).toThrow(/FLEETFLOW_DEPLOYMENT_NAME: may contain only letters, digits, _ and -/);
  });
});
