// Plain JavaScript on purpose: it runs before tsx is loaded, on whatever Node started the
// command (>= 18), to move it onto the pinned Node of the toolchain.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Set in the child of a re-exec, so a pinned binary that is somehow too old cannot loop. */
const REEXEC_MARK = 'FLEETFLOW_PINNED_NODE';

/** The pinned Node release (temporal-dev/versions.env) and where the toolchain installs it. */
export function pinnedNode(env = process.env) {
  const versions = readFileSync(new URL('../../temporal-dev/versions.env', import.meta.url), 'utf8');
  const version = /^NODE_VERSION=(\S+)/m.exec(versions)?.[1];
  if (!version) throw new Error('temporal-dev/versions.env: NODE_VERSION is not set');
  const tools = env.FLEETFLOW_TOOLS || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'fleetflow', 'tools');
  return { version, path: join(tools, 'node', version, 'bin', 'node') };
}

const major = (v) => Number(v.replace(/^v/, '').split('.')[0]);

/**
 * Returns when this process may go on (its Node is at least the pinned major). Otherwise it
 * runs the same script with the same arguments under the pinned Node and ends this process
 * with the child's exit status; it never returns then. Throws, with the fix, when the pinned
 * Node is not installed yet.
 */
export async function runOnPinnedNode() {
  const pinned = pinnedNode();
  if (major(process.versions.node) >= major(pinned.version)) return;
  const why = `needs Node ${major(pinned.version)} and was started by Node ${process.versions.node} (${process.execPath})`;
  if (process.env[REEXEC_MARK]) throw new Error(`${why}, after a re-exec to ${process.env[REEXEC_MARK]}: that binary is not Node ${major(pinned.version)}`);
  if (!existsSync(pinned.path)) {
    throw new Error(`${why}; the pinned Node ${pinned.version} is not installed yet (${pinned.path}): run temporal-dev/install`);
  }
  const child = spawn(pinned.path, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, [REEXEC_MARK]: pinned.path },
  });
  // A terminal's Ctrl-C reaches the child directly (same process group); signals sent to this
  // pid alone are passed on.
  const forward = (signal) => child.kill(signal);
  process.on('SIGINT', () => {});
  process.on('SIGTERM', forward);
  process.on('SIGHUP', forward);
  const [code, signal] = await new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (c, s) => resolve([c, s]));
  });
  if (signal) {
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  }
  process.exit(code ?? 1);
}
