import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { ApiEnv } from './app-env.js';
import { ApiProblem, PROBLEM_CONTENT_TYPE } from './problem.js';

/** Where the API listens unless FLEETFLOW_API_ADDRESS (or the config) says otherwise: loopback only. */
export const DEFAULT_API_ADDRESS = '127.0.0.1:8080';

/** "127.0.0.1:8080", "[::1]:8080", "0.0.0.0:80" as host and port; port 0 picks a free one. */
export function parseAddress(address: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(address.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new Error(`API address "${address}" is not host:port (e.g. ${DEFAULT_API_ADDRESS})`);
  return { host: m[1] ?? m[2]!, port };
}

/**
 * What Node's HTTP parser refuses never reaches the app: Node would answer it with an empty
 * 431 or 400 that no client can read as a problem. Answered here as problem+json like every
 * other error (a URL or headers over Node's 16 KiB limit, or bytes that are not HTTP/1.1);
 * a request that timed out keeps Node's own 408.
 */
function answerClientError(err: Error & { code?: string }, socket: Socket): void {
  // As Node itself decides: answer only when no response of this connection is being written
  // (a keep-alive connection has answered earlier requests; a pipelined one may be mid-answer).
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean; writableEnded?: boolean } })._httpMessage;
  if (err.code === 'ECONNRESET' || !socket.writable || (inFlight?.headersSent && !inFlight.writableEnded)) {
    socket.destroy();
    return;
  }
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    socket.end('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n');
    return;
  }
  const problem =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? new ApiProblem('RequestHeadersTooLarge', 'the request line and headers are larger than 16 KiB: shorten the URL (its query) or the headers')
      : new ApiProblem('InvalidInput', 'the request is not valid HTTP/1.1');
  // The path, when the request line got that far (the problem's `instance`, as for every other answer).
  const raw = (err as { rawPacket?: Buffer }).rawPacket?.subarray(0, 2048).toString('latin1');
  const path = raw && /^[A-Z]+ (\/[^?\s]*)/.exec(raw)?.[1];
  const body = JSON.stringify(problem.body(path && problem.status === 431 ? path : undefined));
  socket.write(
    `HTTP/1.1 ${problem.status} ${problem.status === 431 ? 'Request Header Fields Too Large' : 'Bad Request'}\r\n` +
      `Content-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n${body}`,
  );
  // The client may still be sending the rest of what was refused: read and drop it, and close
  // when the client does (closing first makes clients such as fetch fail before they read the
  // answer), or 5 s later whatever it still sends.
  const cap = setTimeout(() => socket.destroy(), 5_000).unref();
  socket.on('close', () => clearTimeout(cap));
  socket.on('end', () => socket.end());
  socket.resume();
}

/** A running API server. */
export interface ServedApi {
  /** e.g. http://127.0.0.1:8080 */
  url: string;
  close(): Promise<void>;
}

/** How long close() waits for requests being answered (the app's default request timeout plus a margin). */
const DRAIN_MS = 35_000;

/**
 * Serves the app on `address` until close(). Slow clients cannot hold the server: headers must
 * arrive within 10 s and the whole request within the app's own timeout plus a margin.
 * close() stops taking connections, lets the requests being answered finish (at most 35 s: a
 * handler left running would go on calling Temporal after its caller closed the connection),
 * then closes every connection.
 */
export async function serveApi(app: OpenAPIHono<ApiEnv>, opts: { address?: string; drainMs?: number } = {}): Promise<ServedApi> {
  const { host, port } = parseAddress(opts.address ?? process.env.FLEETFLOW_API_ADDRESS ?? DEFAULT_API_ADDRESS);
  // A request is done once its handler returned and its response was sent (or its connection
  // went away): the handler may still be calling Temporal after its client hung up.
  let pending = 0;
  let drained: (() => void) | undefined;
  const done = () => {
    if (--pending === 0) drained?.();
  };
  const fetch: typeof app.fetch = async (...args) => {
    pending++;
    try {
      return await app.fetch(...args);
    } finally {
      done();
    }
  };
  const server = createAdaptorServer({ fetch, hostname: host, port }) as Server;
  server.on('request', (_req, res) => {
    pending++;
    res.once('close', done);
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 60_000;
  server.on('clientError', answerClientError);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  const shown = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  return {
    url: `http://${shown}:${bound.port}`,
    async close() {
      // Stops listening and closes the idle keep-alive connections; busy ones are left to finish.
      const closed = new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
      if (pending > 0) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          new Promise<void>((resolve) => (drained = resolve)),
          new Promise<void>((resolve) => (timer = setTimeout(resolve, opts.drainMs ?? DRAIN_MS))),
        ]);
        clearTimeout(timer);
      }
      server.closeAllConnections();
      await closed;
    },
  };
}
