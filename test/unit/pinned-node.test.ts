import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { repoDir } from '../../src/host/toolchain.js';

// The fleetflow command started by the machine's older Node (as `npx fleetflow` is on a machine
// with Node 20) must move onto the pinned one. Needs an older Node at /usr/bin/node, as the
// machine image has; the pinned Node is a stand-in script that records how it was started.
const OLD_NODE = '/usr/bin/node';
const oldMajor = (() => {
  const r = spawnSync(OLD_NODE, ['-p', 'process.versions.node'], { encoding: 'utf8' });
  return r.status === 0 ? Number(r.stdout.split('.')[0]) : undefined;
})();
const pinnedVersion = /^NODE_VERSION=(\S+)/m.exec(readFileSync(join(repoDir, 'temporal-dev/versions.env'), 'utf8'))![1]!;
const bin = join(repoDir, 'src/cli/bin.mjs');

let tools: string;
afterEach(() => rmSync(tools, { recursive: true, force: true }));

/** A fake pinned Node in a fresh tools cache; `script` is its body (sh). */
function fakePinnedNode(script: string): string {
  tools = mkdtempSync(join(tmpdir(), 'ff-pinned-node-'));
  const path = join(tools, 'node', pinnedVersion, 'bin', 'node');
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `#!/bin/sh\n${script}\n`);
  chmodSync(path, 0o755);
  return path;
}

const runOld = (...args: string[]) =>
  spawnSync(OLD_NODE, [bin, ...args], { encoding: 'utf8', env: { ...process.env, FLEETFLOW_TOOLS: tools, FLEETFLOW_PINNED_NODE: '' } });

describe.skipIf(!oldMajor || oldMajor >= Number(pinnedVersion.split('.')[0]))('fleetflow started by an older Node', () => {
  it('runs itself again under the pinned Node, with the same arguments, and exits with its status', () => {
    const record = fakePinnedNode('echo "pinned: $* mark=$FLEETFLOW_PINNED_NODE"; exit 7');
    const r = runOld('clusters', 'list', '--selector', 'env=prod');
    expect(r.stdout.trim()).toBe(`pinned: ${bin} clusters list --selector env=prod mark=${record}`);
    expect(r.status).toBe(7);
  });

  it('says which Node it needs and how to install it when the pinned Node is missing', () => {
    fakePinnedNode('exit 0');
    rmSync(join(tools, 'node'), { recursive: true });
    const r = runOld('clusters', 'list');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`fleetflow: needs Node ${pinnedVersion.split('.')[0]} and was started by Node ${oldMajor}.`);
    expect(r.stderr).toContain(`the pinned Node ${pinnedVersion} is not installed yet (${join(tools, 'node', pinnedVersion, 'bin', 'node')}): run temporal-dev/install`);
  });

  it('stops instead of looping when the pinned binary turns out to be an old Node too', () => {
    fakePinnedNode(`exec ${OLD_NODE} "$@"`);
    const r = runOld('clusters', 'list');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/fleetflow: needs Node \d+ and was started by Node .*, after a re-exec to .*\/bin\/node/);
  });
});
