import { createHmac } from 'node:crypto';

/**
 * Standard Webhooks 1.0 signing (https://www.standardwebhooks.com): the sender signs
 * `<webhook-id>.<webhook-timestamp>.<body>` with HMAC-SHA256 under each valid secret and sends
 * the signatures space-separated, so a receiver rotating its secret accepts either one.
 *
 * @example
 *   const keys = [secretKey('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw').key];
 *   webhookHeaders({ id: 'msg_1', timestamp: 1767225600, body: '{"type":"accepted"}', keys });
 *   // { 'webhook-id': 'msg_1', 'webhook-timestamp': '1767225600', 'webhook-signature': 'v1,...' }
 */

/** Every signing secret starts with this; the base64 of the key follows. */
export const SECRET_PREFIX = 'whsec_';

/** Key sizes the spec recommends; shorter keys are too weak, longer ones gain nothing. */
export const MIN_KEY_BYTES = 24;
export const MAX_KEY_BYTES = 64;

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Why a secret is unusable; the wording never repeats any part of the secret. */
export const SECRET_FORMAT_ERROR = `must be ${SECRET_PREFIX} followed by the base64 of ${MIN_KEY_BYTES} to ${MAX_KEY_BYTES} bytes`;

/** The key bytes of `whsec_<base64>`, or why the text is not such a secret. */
export function secretKey(secret: string): { ok: true; key: Buffer } | { ok: false; error: string } {
  const text = secret.trim();
  if (!text.startsWith(SECRET_PREFIX)) return { ok: false, error: SECRET_FORMAT_ERROR };
  const encoded = text.slice(SECRET_PREFIX.length);
  if (!BASE64.test(encoded)) return { ok: false, error: SECRET_FORMAT_ERROR };
  const key = Buffer.from(encoded, 'base64');
  if (key.length < MIN_KEY_BYTES || key.length > MAX_KEY_BYTES) return { ok: false, error: SECRET_FORMAT_ERROR };
  return { ok: true, key };
}

/** The base64 HMAC-SHA256 of `id.timestamp.body` under `key`. */
export function signatureOf(key: Uint8Array, id: string, timestamp: number, body: string): string {
  return createHmac('sha256', key).update(`${id}.${timestamp}.${body}`, 'utf8').digest('base64');
}

/** The three headers of a signed webhook. */
export interface WebhookHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/** What to sign: the message id, the time in unix seconds, the exact body bytes and every valid key. */
export interface SignInput {
  id: string;
  timestamp: number;
  body: string;
  keys: readonly Uint8Array[];
}

/** The headers of one attempt: one `v1,<signature>` per key, space-separated. */
export function webhookHeaders({ id, timestamp, body, keys }: SignInput): WebhookHeaders {
  if (keys.length === 0) throw new Error('webhookHeaders: at least one key is needed');
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw new Error('webhookHeaders: the timestamp must be whole unix seconds');
  // The id is part of the signed text; a "." or space in it would make the text ambiguous.
  if (!/^[A-Za-z0-9_-]+$/.test(id)) throw new Error('webhookHeaders: the id must be letters, digits, "_" or "-"');
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': keys.map((k) => `v1,${signatureOf(k, id, timestamp, body)}`).join(' '),
  };
}
