import { TransientError } from '../errors.js';
import { webhookHeaders } from './sign.js';

/** One attempt at delivering a signed webhook. */
export interface SignedPost {
  url: string;
  webhookId: string;
  /** The exact JSON text to send and sign. */
  body: string;
  keys: readonly Uint8Array[];
  timeoutMs: number;
  /** Unix milliseconds; the attempt's `webhook-timestamp` is taken from it. */
  now?: () => number;
}

/** How much of a refusing receiver's answer is kept for the delivery's last error. */
const EXCERPT_CHARS = 200;

/**
 * POSTs `body` signed with a fresh timestamp. A 2xx answer is a delivery; anything else
 * (including a redirect, which is not followed: a callback goes to the URL the change named
 * and nowhere else) is CallbackRejected, and no answer at all is CallbackUnreachable. Both are
 * retryable: the delivery's retry policy decides when to give up.
 */
export async function postSigned(req: SignedPost): Promise<{ status: number }> {
  const timestamp = Math.floor((req.now ?? Date.now)() / 1000);
  const headers = webhookHeaders({ id: req.webhookId, timestamp, body: req.body, keys: req.keys });
  const signal = AbortSignal.timeout(req.timeoutMs);
  let res: Response;
  try {
    res = await fetch(req.url, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', 'user-agent': 'fleetflow-webhooks/1' },
      body: req.body,
      redirect: 'manual',
      signal,
    });
  } catch (err) {
    throw new TransientError(`no answer from the receiver: ${networkCause(err, req.timeoutMs)}`, 'CallbackUnreachable');
  }
  if (res.status >= 200 && res.status < 300) {
    await res.body?.cancel().catch(() => undefined);
    return { status: res.status };
  }
  const excerpt = await readExcerpt(res).catch(() => '');
  throw new TransientError(`the receiver answered HTTP ${res.status}${excerpt ? `: ${excerpt}` : ''}`, 'CallbackRejected');
}

function networkCause(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  return e.cause?.code ?? e.cause?.message ?? e.message ?? String(err);
}

/** The start of an answer's body on one line, reading no more than needed. */
async function readExcerpt(res: Response): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  while (text.length < EXCERPT_CHARS) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  await reader.cancel().catch(() => undefined);
  return text.replace(/\s+/g, ' ').trim().slice(0, EXCERPT_CHARS);
}
