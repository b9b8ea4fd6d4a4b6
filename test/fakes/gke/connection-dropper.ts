import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP relay in front of the fake's gRPC port that drops connections: with probability
 * `rate()`, a chunk the client sends (after the connection's first one, the HTTP/2 preface)
 * destroys both sides, the way a load balancer or a flaky network resets a connection. Every
 * call in flight on it fails (the client sees UNAVAILABLE) and the client must reconnect.
 */
export class ConnectionDropper {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  /** Connections dropped so far. */
  dropped = 0;

  constructor(
    private readonly target: number,
    private readonly rate: () => number,
    private readonly random: () => number = Math.random,
  ) {}

  /** Listens on a free 127.0.0.1 port and returns it. */
  async start(): Promise<number> {
    const server = createServer((client) => {
      const upstream = connect({ host: '127.0.0.1', port: this.target });
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      let chunks = 0;
      client.on('data', (chunk: Buffer) => {
        if (chunks++ > 0 && this.random() < this.rate()) {
          this.dropped++;
          client.destroy();
          upstream.destroy();
          return;
        }
        upstream.write(chunk);
      });
      upstream.pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
    });
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = undefined;
  }
}
