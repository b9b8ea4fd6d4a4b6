import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ClusterSpecSchema } from '../../src/domain/cluster/spec.js';
import { FleetRolloutInputSchema } from '../../src/domain/rollout/fleet-rollout.js';
import { repoDir } from '../../src/host/toolchain.js';

const dev = join(repoDir, 'temporal-dev');
const read = (file: string) => parse(readFileSync(file, 'utf8')) as unknown;

describe('the files `npm run demo` uses', () => {
  it('are a valid fleet: dev with one pool of two nodes, staging with the default pool, prod with two pools', () => {
    const specs = readdirSync(join(dev, 'demo-fleet')).map((f) => ClusterSpecSchema.parse(read(join(dev, 'demo-fleet', f))));
    expect(specs.map((s) => [s.name, s.nodePools.map((p) => `${p.name}x${p.nodeCount}`)])).toEqual([
      ['demo-dev', ['generalx2']],
      ['demo-prod', ['webx3', 'batchx2']],
      ['demo-staging', []],
    ]);
  });

  it('roll out a valid sample application: a canary stage, then the rest, with per-environment replicas', () => {
    const input = FleetRolloutInputSchema.parse(read(join(dev, 'demo-app.yaml')));
    expect(input.plan).toMatchObject({ stages: [{ name: 'canary', selector: { include: ['demo-dev'] } }, { name: 'rest' }] });
    expect(input.bundle.manifests.map((m) => m.kind)).toEqual(['Namespace', 'Deployment', 'PodDisruptionBudget', 'Service']);
    expect(input.overrides?.map((o) => o.selector)).toEqual([{ environments: ['prod'] }, { environments: ['staging'] }]);
  });
});
