import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePorts, isPortFree, reusePorts } from '../../src/providers/local/ports.js';

describe('ports', () => {
  it('hands out distinct free loopback ports, never the same one twice in a row', async () => {
    const first = await freePorts(3);
    const second = await freePorts(3);
    expect(new Set([...first, ...second]).size).toBe(6);
    for (const p of first) expect(await isPortFree(p)).toBe(true);
  });

  it('chooses ports below the ephemeral range, where outgoing connections cannot take them', async () => {
    const ephemeralLow = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    for (const p of await freePorts(20)) expect(p).toBeLessThan(ephemeralLow);
  });

  it('keeps a free port and replaces a taken one', async () => {
    const [keep, busy] = await freePorts(2);
    const server = createServer();
    await new Promise<void>((r) => server.listen(busy, '127.0.0.1', () => r()));
    try {
      const { ports, changed } = await reusePorts({ a: keep!, b: busy! }, 200);
      expect(ports.a).toBe(keep);
      expect(ports.b).not.toBe(busy);
      expect(ports.b).not.toBe(keep);
      expect(changed).toEqual(['b']);
    } finally {
      server.close();
    }
  });
});
