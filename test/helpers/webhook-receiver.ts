import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** A request the receiver verified. */
export interface VerifiedWebhook {
  id: string;
  timestamp: number;
  body: string;
  payload: unknown;
  /** The status it was answered with: 500 while failing on purpose, else 204. */
  status: number;
}

export interface ReceiverOptions {
  /** The receiver's secret (`whsec_...`): it verifies with this one only. */
  secret: string;
  /** Answer 500 to the first this many verified requests (Infinity: a receiver down for good). */
  failFirst?: number;
}

/**
 * A change system's webhook endpoint on 127.0.0.1 (a free port), verifying every request with
 * the standardwebhooks package (an implementation independent of ours): a request that fails
 * verification gets 401 and is recorded with the package's reason; a verified one gets 500 for
 * the first `failFirst` requests (by count, not by time), then 204. Tests wait for requests
 * through `waitFor`, which resolves from the request handler itself (no polling).
 */
export class WebhookReceiver {
  readonly verified: VerifiedWebhook[] = [];
  readonly rejected: { reason: string; headers: Record<string, string | undefined> }[] = [];
  private readonly waiters: { done: () => boolean; resolve: () => void }[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(opts: ReceiverOptions): Promise<WebhookReceiver> {
    const wh = new Webhook(opts.secret);
    const failFirst = opts.failFirst ?? 0;
    let receiver: WebhookReceiver | undefined;
    const server = createServer((req, res) => {
      void readBody(req).then((body) => {
        const headers = {
          'webhook-id': header(req, 'webhook-id'),
          'webhook-timestamp': header(req, 'webhook-timestamp'),
          'webhook-signature': header(req, 'webhook-signature'),
        };
        let payload: unknown;
        try {
          payload = wh.verify(body, headers as Record<string, string>);
        } catch (err) {
          receiver!.rejected.push({ reason: (err as Error).message, headers });
          res.writeHead(401, { 'content-type': 'text/plain' }).end((err as Error).message);
          receiver!.wake();
          return;
        }
        const status = receiver!.verified.length < failFirst ? 500 : 204;
        receiver!.verified.push({ id: headers['webhook-id']!, timestamp: Number(headers['webhook-timestamp']), body, payload, status });
        if (status === 500) res.writeHead(500, { 'content-type': 'text/plain' }).end('receiver failing on purpose');
        else res.writeHead(204).end();
        receiver!.wake();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    receiver = new WebhookReceiver(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`);
    return receiver;
  }

  /** Verified requests it answered 2xx: the deliveries, duplicates included. */
  get delivered(): VerifiedWebhook[] {
    return this.verified.filter((v) => v.status < 300);
  }

  /** Resolves once `done` holds, checked after each request. */
  waitFor(done: (r: WebhookReceiver) => boolean): Promise<void> {
    if (done(this)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ done: () => done(this), resolve }));
  }

  private wake(): void {
    for (const w of [...this.waiters]) {
      if (w.done()) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

const header = (req: IncomingMessage, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
};

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
