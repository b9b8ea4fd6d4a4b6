import { OpenAPIHono } from '@hono/zod-openapi';
import { describe, expect, it } from 'vitest';
import type { ApiEnv } from '../../src/api/app-env.js';
import { serveApi } from '../../src/api/server.js';

/** An app whose one route answers when the test lets it, and says when a request reached it. */
function heldApp() {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let reached!: () => void;
  const arrived = new Promise<void>((r) => (reached = r));
  const app = new OpenAPIHono<ApiEnv>();
  app.get('/slow', async (c) => {
    reached();
    await released;
    return c.json({ done: true });
  });
  return { app, release, arrived };
}

describe('closing the API server', () => {
  it('lets a request being answered finish before it closes, and takes no new connection meanwhile', async () => {
    const { app, release, arrived } = heldApp();
    const served = await serveApi(app, { address: '127.0.0.1:0' });
    const answer = fetch(`${served.url}/slow`);
    await arrived;
    let closed = false;
    const closing = served.close().then(() => (closed = true));
    // A new connection is refused at once; the request in flight is still being answered.
    await expect(fetch(`${served.url}/slow`)).rejects.toThrow();
    expect(closed).toBe(false);
    release();
    const res = await answer;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ done: true });
    await closing;
    expect(closed).toBe(true);
  });

  it('waits no longer than its drain time for a request that does not end', async () => {
    const { app, arrived } = heldApp();
    const served = await serveApi(app, { address: '127.0.0.1:0', drainMs: 200 });
    const answer = fetch(`${served.url}/slow`).catch((e: unknown) => e);
    await arrived;
    await served.close();
    // Its connection was closed under it.
    expect(await answer).toBeInstanceOf(Error);
  });
});
