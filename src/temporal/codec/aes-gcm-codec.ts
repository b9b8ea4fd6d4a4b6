import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';
import { decryptionKey, encryptionKey, type KeyRing } from '../../domain/encryption/key-ring.js';
import { PayloadUndecryptableError } from './payload-errors.js';

/** The `encoding` of an encrypted payload: what tells decode (and people) it is ciphertext. */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** Metadata naming the key a payload was encrypted under (in clear: an id, no secret). */
export const KEY_ID_METADATA = 'encryption-key-id';
/** Metadata naming the cipher, so a later format can be told apart. */
export const CIPHER_METADATA = 'encryption-cipher';
export const CIPHER = 'AES-256-GCM';

const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const PayloadProto = proto.temporal.api.common.v1.Payload;
const utf8 = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array | null | undefined) => (b ? new TextDecoder().decode(b) : undefined);

/**
 * Encrypts payloads with AES-256-GCM: the whole original payload (metadata and data, as its
 * protobuf encoding) is the plaintext, a fresh random 12-byte nonce per payload, and the key id
 * and cipher are authenticated too (additional data), so a payload relabelled with another key
 * id fails instead of decrypting. Data is nonce || ciphertext || tag.
 *
 * Decode passes a payload that is not `binary/encrypted` through unchanged (histories recorded
 * before encryption, workflows started in clear), and refuses one it cannot decrypt with an
 * error naming the key id: never garbage.
 */
export class AesGcmCodec implements PayloadCodec {
  constructor(private readonly ring: KeyRing) {}

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const key = encryptionKey(this.ring);
    if (!key) return payloads;
    return payloads.map((payload) => {
      const nonce = randomBytes(NONCE_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key.key, nonce);
      cipher.setAAD(additionalData(key.id));
      const sealed = Buffer.concat([cipher.update(PayloadProto.encode(payload).finish()), cipher.final()]);
      return {
        metadata: { encoding: utf8(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: utf8(key.id), [CIPHER_METADATA]: utf8(CIPHER) },
        data: new Uint8Array(Buffer.concat([nonce, sealed, cipher.getAuthTag()])),
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => (isEncrypted(payload) ? this.decrypt(payload) : payload));
  }

  private decrypt(payload: Payload): Payload {
    const id = text(payload.metadata?.[KEY_ID_METADATA]);
    const found = decryptionKey(this.ring, id);
    if (!found.ok) throw new PayloadUndecryptableError(`cannot decrypt a payload: ${found.error}`);
    const cipherName = text(payload.metadata?.[CIPHER_METADATA]);
    if (cipherName !== undefined && cipherName !== CIPHER) {
      throw new PayloadUndecryptableError(`cannot decrypt a payload under key id "${id}": cipher ${cipherName} is not ${CIPHER}`);
    }
    const data = payload.data ?? new Uint8Array();
    if (data.length < NONCE_BYTES + TAG_BYTES) {
      throw new PayloadUndecryptableError(`cannot decrypt a payload under key id "${id}": ${data.length} bytes is too short for ${CIPHER}`);
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', found.key.key, data.subarray(0, NONCE_BYTES));
      decipher.setAAD(additionalData(found.key.id));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      const plain = Buffer.concat([decipher.update(data.subarray(NONCE_BYTES, data.length - TAG_BYTES)), decipher.final()]);
      return PayloadProto.decode(plain) as Payload;
    } catch {
      // GCM says only "unable to authenticate": the payload was altered, or the key with this id is another key.
      throw new PayloadUndecryptableError(
        `cannot decrypt a payload under key id "${id}": it fails authentication (the payload was altered, or the key configured as "${id}" is not the key it was encrypted with)`,
      );
    }
  }
}

/** True for a payload this codec encrypted (by its encoding metadata). */
export function isEncrypted(payload: Payload): boolean {
  return text(payload.metadata?.encoding) === ENCRYPTED_ENCODING;
}

function additionalData(keyId: string): Uint8Array {
  return utf8(`fleetflow/${CIPHER}/${keyId}`);
}
