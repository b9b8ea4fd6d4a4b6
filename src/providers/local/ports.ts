import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';

const HOST = '127.0.0.1';

/**
 * Ports handed out by this process in the last minute. The kernel may hand the same free
 * port to two allocations made before either process binds it (two clusters created at
 * once); remembering them closes that window inside one worker.
 */
const recent = new Map<number, number>();
const RECENT_MS = 60_000;

function listen(port: number): Promise<Server | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(undefined));
    server.listen({ port, host: HOST, exclusive: true }, () => resolve(server));
  });
}

const close = (s: Server) => new Promise<void>((r) => s.close(() => r()));

/** True when nothing listens on 127.0.0.1:port right now. */
export async function isPortFree(port: number): Promise<boolean> {
  const server = await listen(port);
  if (!server) return false;
  await close(server);
  return true;
}

/**
 * Where to look for ports: below the kernel's ephemeral range, which outgoing connections and
 * servers binding port 0 draw from; a port chosen there could be taken between our check and
 * the server's bind, a port below it only by another deliberate choice.
 */
function candidateRange(): { low: number; high: number } {
  let ephemeralLow = 32768;
  try {
    ephemeralLow = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || ephemeralLow;
  } catch {
    /* not Linux: keep the usual default */
  }
  const high = ephemeralLow - 1;
  return { low: Math.min(20_000, high - 2_000), high };
}

/**
 * `count` distinct free ports on 127.0.0.1. All are held open until every one is chosen, so
 * they differ from each other; the caller must bind them soon (a port is only free until
 * someone else takes it).
 */
export async function freePorts(count: number, exclude: ReadonlySet<number> = new Set()): Promise<number[]> {
  const now = Date.now();
  for (const [port, at] of recent) if (now - at > RECENT_MS) recent.delete(port);
  const held: Server[] = [];
  const ports: number[] = [];
  try {
    for (let attempts = 0; ports.length < count; attempts++) {
      if (attempts > count * 50) throw new Error(`could not find ${count} free ports on ${HOST}`);
      const { low, high } = candidateRange();
      const server = await listen(low + Math.floor(Math.random() * (high - low + 1)));
      if (!server) continue;
      held.push(server);
      const port = (server.address() as { port: number }).port;
      if (!recent.has(port) && !exclude.has(port)) ports.push(port);
    }
  } finally {
    await Promise.all(held.map(close));
  }
  for (const port of ports) recent.set(port, now);
  return ports;
}

/** True when the port is free now or becomes free within `ms` (its old owner still exiting). */
async function freeSoon(port: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await isPortFree(port)) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Keeps each wanted port that is free (waiting up to `graceMs`: a process that has just died
 * may not have closed its sockets yet) and replaces the others, so a restarted cluster keeps
 * its endpoint, and its users' kubeconfigs, whenever it can.
 */
export async function reusePorts<K extends string>(
  wanted: Record<K, number>,
  graceMs = 3_000,
): Promise<{ ports: Record<K, number>; changed: K[] }> {
  const keys = Object.keys(wanted) as K[];
  const taken = await Promise.all(keys.map(async (k) => !(await freeSoon(wanted[k], graceMs))));
  const changed = keys.filter((_, i) => taken[i]);
  const kept = new Set(keys.filter((_, i) => !taken[i]).map((k) => wanted[k]));
  const fresh = await freePorts(changed.length, kept);
  const ports = { ...wanted };
  changed.forEach((k, i) => (ports[k] = fresh[i]!));
  return { ports, changed };
}
