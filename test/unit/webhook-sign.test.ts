import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { secretKey, signatureOf, webhookHeaders, SECRET_FORMAT_ERROR } from '../../src/webhooks/sign.js';

// Our signer is checked against an independent implementation: the standardwebhooks package's
// verifier, which a receiver would use.
const newSecret = (bytes = 32) => `whsec_${randomBytes(bytes).toString('base64')}`;
const keyOf = (secret: string) => {
  const k = secretKey(secret);
  if (!k.ok) throw new Error(k.error);
  return k.key;
};
const now = () => Math.floor(Date.now() / 1000);
const body = JSON.stringify({ type: 'accepted', changeId: 'change/servicenow/CHG1', seq: 1, data: { note: 'ünïcødé' } });

describe('webhookHeaders, verified by the standardwebhooks package', () => {
  it('signs with one secret so that its Webhook.verify accepts the body', () => {
    const secret = newSecret();
    const headers = webhookHeaders({ id: 'msg_abc_1', timestamp: now(), body, keys: [keyOf(secret)] });
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new Webhook(secret).verify(body, { ...headers })).toEqual(JSON.parse(body));
  });

  it('signs with two secrets during a rotation, and a receiver holding either one accepts it', () => {
    const [oldSecret, newer] = [newSecret(), newSecret(48)];
    const headers = webhookHeaders({ id: 'msg_abc_2', timestamp: now(), body, keys: [keyOf(newer), keyOf(oldSecret)] });
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    for (const s of [oldSecret, newer]) expect(new Webhook(s).verify(body, { ...headers })).toEqual(JSON.parse(body));
    // A receiver with a third secret accepts neither signature.
    expect(() => new Webhook(newSecret()).verify(body, { ...headers })).toThrow('No matching signature found');
  });

  it('is rejected when the body was tampered with, the id changed, or the timestamp is stale', () => {
    const secret = newSecret();
    const wh = new Webhook(secret);
    const headers = webhookHeaders({ id: 'msg_abc_3', timestamp: now(), body, keys: [keyOf(secret)] });
    expect(() => wh.verify(body.replace('CHG1', 'CHG2'), { ...headers })).toThrow('No matching signature found');
    expect(() => wh.verify(body, { ...headers, 'webhook-id': 'msg_abc_4' })).toThrow('No matching signature found');
    // Correctly signed, but ten minutes old: outside the receiver's five-minute tolerance.
    const stale = webhookHeaders({ id: 'msg_abc_3', timestamp: now() - 600, body, keys: [keyOf(secret)] });
    expect(() => wh.verify(body, { ...stale })).toThrow('Message timestamp too old');
  });

  it('matches the signature the package itself computes', () => {
    const secret = newSecret();
    const ts = 1767225600;
    expect(webhookHeaders({ id: 'msg_x_1', timestamp: ts, body, keys: [keyOf(secret)] })['webhook-signature']).toBe(
      new Webhook(secret).sign('msg_x_1', new Date(ts * 1000), body),
    );
  });

  it('is HMAC-SHA256 of "id.timestamp.body" in base64 (a known vector)', () => {
    // Key of 24 bytes 0x01..0x18; the value computed with `openssl dgst -sha256 -mac HMAC -binary | base64`.
    const key = Buffer.from(Array.from({ length: 24 }, (_, i) => i + 1));
    expect(signatureOf(key, 'msg_1', 1700000000, '{}')).toBe('LPKHddBU8sArCcCuuf61pWQP+dgFmzn5BNnNFCDLopk=');
  });

  it.each([
    // the id is signed as part of "id.timestamp.body": a "." in it would be ambiguous
    ['an id with a dot', { id: 'msg.1', timestamp: 1 }, 'the id must be letters, digits, "_" or "-"'],
    ['a fractional timestamp', { id: 'msg_1', timestamp: 1.5 }, 'the timestamp must be whole unix seconds'],
  ])('refuses %s', (_why, input, error) => {
    expect(() => webhookHeaders({ ...input, body, keys: [keyOf(newSecret())] })).toThrow(error);
  });
});

describe('secretKey', () => {
  it.each([
    // why each case
    ['a 24-byte secret, the smallest allowed', newSecret(24), true],
    ['a 64-byte secret, the largest allowed', newSecret(64), true],
    ['a trailing newline (a secret file) is ignored', `${newSecret()}\n`, true],
    ['no whsec_ prefix', randomBytes(32).toString('base64'), false],
    ['too short a key', newSecret(16), false],
    ['too long a key', newSecret(65), false],
    ['not base64', 'whsec_not*base64*at*all*not*base64*at*all', false],
    ['base64 without its padding', `whsec_${randomBytes(31).toString('base64').replace(/=+$/, '')}`, false],
  ])('%s', (_why, secret, ok) => {
    const k = secretKey(secret);
    expect(k.ok).toBe(ok);
    if (!k.ok) {
      expect(k.error).toBe(SECRET_FORMAT_ERROR);
      expect(k.error).not.toContain(secret.slice(6, 16));
    }
  });
});
