import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readToolVersions, repoDir } from '../../src/host/toolchain.js';

describe('the toolchain as the code finds it', () => {
  it('locates the repository root, where package.json and the pinned versions are', () => {
    expect(JSON.parse(readFileSync(join(repoDir, 'package.json'), 'utf8')).name).toBe('fleetflow');
    expect(readToolVersions().kube.length).toBeGreaterThan(0);
  });
});
