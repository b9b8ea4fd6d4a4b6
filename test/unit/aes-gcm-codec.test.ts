import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { keyRing } from '../../src/domain/encryption/key-ring.js';
import { AesGcmCodec, ENCRYPTED_ENCODING, isEncrypted } from '../../src/temporal/codec/aes-gcm-codec.js';
import { dataConverterFromRing } from '../../src/temporal/codec/data-converter.js';
import { PayloadTooLargeError, PayloadUndecryptableError } from '../../src/temporal/codec/payload-errors.js';

const key = (n: number) => new Uint8Array(32).fill(n);
const OLD = { id: 'k-old', key: key(1) };
const NEW = { id: 'k-new', key: key(2) };
const spec = { name: 'prod-eu-1', provider: 'local', secretish: 'the cluster spec in clear' };
const payload = (v: unknown): Payload => defaultPayloadConverter.toPayload(v);
const value = (p: Payload) => defaultPayloadConverter.fromPayload(p);
const text = (p: Payload) => Buffer.from(p.data ?? []).toString('latin1');

describe('AES-256-GCM payload codec', () => {
  const codec = new AesGcmCodec(keyRing([OLD]));

  it('round-trips a payload, metadata included, and the ciphertext hides the value', async () => {
    const [sealed] = await codec.encode([payload(spec)]);
    expect(isEncrypted(sealed!)).toBe(true);
    expect(Buffer.from(sealed!.metadata!.encoding!).toString()).toBe(ENCRYPTED_ENCODING);
    expect(Buffer.from(sealed!.metadata!['encryption-key-id']!).toString()).toBe('k-old');
    expect(text(sealed!)).not.toContain('prod-eu-1');
    const [opened] = await codec.decode([sealed!]);
    expect(Buffer.from(opened!.metadata!.encoding!).toString()).toBe('json/plain');
    expect(value(opened!)).toEqual(spec);
  });

  it('uses a fresh nonce: the same payload encrypts differently each time', async () => {
    const [a, b] = await codec.encode([payload(spec), payload(spec)]);
    expect(Buffer.from(a!.data!).equals(Buffer.from(b!.data!))).toBe(false);
    expect(Buffer.from(a!.data!).subarray(0, 12).equals(Buffer.from(b!.data!).subarray(0, 12))).toBe(false);
  });

  it('passes payloads that are not encrypted through unchanged (histories from before encryption)', async () => {
    const clear = [payload(spec), payload(null), payload(new Uint8Array([1, 2, 3]))];
    expect(await codec.decode(clear)).toEqual(clear);
  });

  it('decodes a payload encrypted under an old key after a new key is added (rotation)', async () => {
    const [sealedByOld] = await codec.encode([payload(spec)]);
    const rotated = new AesGcmCodec(keyRing([NEW, OLD]));
    const [sealedByNew] = await rotated.encode([payload(spec)]);
    expect(Buffer.from(sealedByNew!.metadata!['encryption-key-id']!).toString()).toBe('k-new');
    expect((await rotated.decode([sealedByOld!, sealedByNew!])).map(value)).toEqual([spec, spec]);
  });

  it('refuses a payload under a key id that is not configured, naming it', async () => {
    const [sealed] = await new AesGcmCodec(keyRing([NEW])).encode([payload(spec)]);
    const err = await codec.decode([sealed!]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PayloadUndecryptableError);
    expect((err as Error).message).toBe('cannot decrypt a payload: the payload is encrypted under key id "k-new", which is not configured here (configured: k-old); add that key to encryption.keys');
  });

  it('refuses a payload when the key configured under its id is another key', async () => {
    const [sealed] = await codec.encode([payload(spec)]);
    const wrong = new AesGcmCodec(keyRing([{ id: 'k-old', key: key(9) }]));
    await expect(wrong.decode([sealed!])).rejects.toThrow('cannot decrypt a payload under key id "k-old": it fails authentication');
  });

  it('refuses tampered ciphertext and a relabelled key id instead of returning garbage', async () => {
    const both = new AesGcmCodec(keyRing([NEW, OLD]));
    const [sealed] = await both.encode([payload(spec)]);
    const flipped = new Uint8Array(sealed!.data!);
    flipped[20]! ^= 1;
    await expect(both.decode([{ ...sealed!, data: flipped }])).rejects.toThrow('cannot decrypt a payload under key id "k-new": it fails authentication (the payload was altered');
    const relabelled = { ...sealed!, metadata: { ...sealed!.metadata, 'encryption-key-id': new TextEncoder().encode('k-old') } };
    await expect(both.decode([relabelled])).rejects.toThrow('cannot decrypt a payload under key id "k-old": it fails authentication');
    const truncated = { ...sealed!, data: sealed!.data!.subarray(0, 10) };
    await expect(both.decode([truncated])).rejects.toThrow('cannot decrypt a payload under key id "k-new": 10 bytes is too short for AES-256-GCM');
  });

  it('encrypts nothing when the ring is decrypt-only, but still decrypts', async () => {
    const [sealed] = await codec.encode([payload(spec)]);
    const off = new AesGcmCodec(keyRing([OLD], false));
    const [clear] = await off.encode([payload(spec)]);
    expect(isEncrypted(clear!)).toBe(false);
    expect(value((await off.decode([sealed!]))[0]!)).toEqual(spec);
  });
});

describe('the data converter', () => {
  it('refuses payloads over the limit after encoding, naming the size and the limit', async () => {
    const [aes, limit] = dataConverterFromRing(keyRing([OLD])).payloadCodecs!;
    const big = [payload({ manifests: 'x'.repeat(2_100_000) })];
    const err = await aes!.encode(big).then((p) => limit!.encode(p)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PayloadTooLargeError);
    expect((err as Error).message).toMatch(/^the payload is 2\.00 MiB \(2,100,\d{3} bytes\) after encoding; Fleetflow sends at most 1\.94 MiB \(2,031,616 bytes\)/);
    const fits = await aes!.encode([payload({ manifests: 'x'.repeat(1_000_000) })]);
    await expect(limit!.encode(fits)).resolves.toBe(fits);
  });
});
